// Point maps drawn from data attributes (no inline script): every [data-pointmap] element holds a JSON list of
// {lat, lng, label, url, colour}; a tile URL in data-tiles is optional (none is needed: the points alone show).
(function () {
  if (!window.L) return;
  document.querySelectorAll("[data-pointmap]").forEach(function (box) {
    var points = JSON.parse(box.dataset.pointmap || "[]");
    var map = window.L.map(box, {attributionControl: !!box.dataset.tiles});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = window.L.circleMarker([p.lat, p.lng], {radius: 7, color: p.colour || "#1565c0", weight: 1, fillOpacity: 0.7}).addTo(map);
      var text = document.createElement("span");
      if (p.url) {
        var a = document.createElement("a");
        a.href = p.url; a.textContent = p.label || p.url; text.appendChild(a);
      } else {
        text.textContent = p.label || "";
      }
      marker.bindPopup(text);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 16});
    else map.setView([30, 114], 4);
    box.dataset.drawn = String(points.length);
  });
})();
