// The hotspot map, drawn from data attributes (no inline script); the charts are charts.js's.
(function () {
  function data(el, name) { return JSON.parse(el.dataset[name] || "null"); }

  var box = document.getElementById("hotspot-map");
  if (box && window.L) {
    var map = window.L.map(box, {attributionControl: !!box.dataset.tiles});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    var bounds = [];
    data(box, "points").forEach(function (p) {
      window.L.circleMarker([p.lat, p.lng], {radius: 7, color: "#b71c1c", weight: 1, fillOpacity: 0.6}).addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 16});
  }
})();
