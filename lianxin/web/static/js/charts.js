// Draw every [data-chart] element with ECharts (options come from the server) and the community map.
(function () {
  if (window.echarts) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.init(el, null, {renderer: "svg"});
      chart.setOption(JSON.parse(el.dataset.chart));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  var box = document.getElementById("community-map");
  if (!box || !window.L) return;
  var points = JSON.parse(box.dataset.points || "[]");
  var map = window.L.map(box, {attributionControl: !!box.dataset.tiles, maxZoom: 18});
  if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
  var max = Math.max.apply(null, points.map(function (p) { return p.count; }).concat([1]));
  var bounds = [];
  points.forEach(function (p) {
    window.L.circleMarker([p.lat, p.lng], {radius: 6 + 18 * Math.sqrt(p.count / max), color: "#b71c1c", weight: 1, fillOpacity: 0.45})
      .bindTooltip(p.name + "：" + p.count, {permanent: false}).addTo(map);
    bounds.push([p.lat, p.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 14}); else map.setView([35, 105], 4);
})();
