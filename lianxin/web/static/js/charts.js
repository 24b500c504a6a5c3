// The one chart convention (templates/_charts.html): every [data-chart] element is drawn with the vendored
// ECharts from the option the server built, and its "download PNG" button saves it as an image.
// Also the community map, where the page has one.
(function () {
  if (window.echarts) {
    var charts = {};
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.init(el, null, {renderer: "svg"});
      chart.setOption(JSON.parse(el.dataset.chart));
      charts[el.id] = chart;
    });
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
    document.querySelectorAll("[data-png]").forEach(function (button) {
      var chart = charts[button.dataset.png];
      if (!chart) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        // the SVG drawing, rasterised at twice the size on a white background
        var el = document.getElementById(button.dataset.png), scale = 2, image = new Image();
        image.onload = function () {
          var canvas = document.createElement("canvas");
          canvas.width = el.clientWidth * scale; canvas.height = el.clientHeight * scale;
          var context = canvas.getContext("2d");
          context.fillStyle = "#fff"; context.fillRect(0, 0, canvas.width, canvas.height);
          context.drawImage(image, 0, 0, canvas.width, canvas.height);
          var link = document.createElement("a");
          link.href = canvas.toDataURL("image/png"); link.download = button.dataset.filename;
          document.body.appendChild(link); link.click(); link.remove();
        };
        image.src = chart.getDataURL({type: "svg"});
      });
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
