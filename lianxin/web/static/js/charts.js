// Draws every element with a data-option attribute (an ECharts option built on the server).
(function () {
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll("[data-option]").forEach(function (el) {
    var chart = echarts.init(el);
    chart.setOption(JSON.parse(el.getAttribute("data-option")));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
