// Draw every [data-chart] / [data-option] element with ECharts (the options are built on the server)
// and, where the page has one, the community map.
(function () {
  if (window.echarts) {
    var charts = [];
    document.querySelectorAll("[data-chart], [data-option]").forEach(function (el) {
      var chart = window.echarts.init(el, null, {renderer: el.dataset.chart ? "svg" : "canvas"});
      chart.setOption(JSON.parse(el.dataset.chart || el.dataset.option));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
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
