// 客货邮 desk: the plan on a map (service points sized by the parcels they expect, bus routes, van routes) and the
// (the timetable chart is drawn by static/js/charts.js from the option the server built).
(function () {
  function data(el, name) { return JSON.parse(el.dataset[name] || "null"); }

  var box = document.getElementById("logistics-map");
  if (box && window.L) {
    var map = window.L.map(box, {attributionControl: !!box.dataset.tiles});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    var plan = data(box, "plan"), bounds = [];
    plan.routes.forEach(function (r) {
      window.L.polyline(r.path, {color: "#607d8b", weight: 2, opacity: 0.7}).bindTooltip(r.name).addTo(map);
      bounds = bounds.concat(r.path);
    });
    plan.vans.forEach(function (v) {
      window.L.polyline(v.path, {color: "#e65100", weight: 3, dashArray: "6 4"}).bindTooltip(v.label).addTo(map);
    });
    plan.points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lng], {radius: 5 + Math.sqrt(p.count), color: p.jishi ? "#b71c1c" : "#1565c0", weight: 1, fillOpacity: 0.6})
        .bindTooltip(p.name + (p.count ? " · " + p.count + " · " + p.eta : "")).addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    window.L.marker([plan.hub.lat, plan.hub.lng]).bindTooltip(plan.hub.name).addTo(map);
    bounds.push([plan.hub.lat, plan.hub.lng]);
    map.fitBounds(bounds, {padding: [20, 20], maxZoom: 14});
  }

  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });

})();
