// Hotspot trend line, hotspot map and topic effect bars, drawn from data attributes (no inline script).
(function () {
  function data(el, name) { return JSON.parse(el.dataset[name] || "null"); }

  var trend = document.getElementById("hotspot-trend");
  if (trend && window.echarts) {
    window.echarts.init(trend).setOption({
      grid: {left: 40, right: 16, top: 16, bottom: 40}, tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: data(trend, "labels")}, yAxis: {type: "value", minInterval: 1},
      series: [{type: "line", data: data(trend, "values"), smooth: false, areaStyle: {opacity: 0.15}, color: "#b71c1c"}]
    });
  }

  var effect = document.getElementById("topic-effect");
  if (effect && window.echarts) {
    var chart = data(effect, "chart");
    window.echarts.init(effect).setOption({
      grid: {left: 40, right: 16, top: 16, bottom: 40}, tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: chart.weeks}, yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", data: chart.counts.map(function (c, i) {
        return {value: c, itemStyle: {color: chart.after[i] ? "#2e7d32" : "#9e9e9e"},
                name: chart.after[i] ? effect.dataset.after : effect.dataset.before};
      })}]
    });
  }

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
