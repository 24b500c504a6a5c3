// 客货邮 desk: the plan on a map (service points sized by the parcels they expect, bus routes, van routes) and the
// timetable chart (one bar per trip from the hub to its last stop, coloured by its load), from data attributes.
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

  var chart = document.getElementById("logistics-timetable");
  if (chart && window.echarts) {
    var rows = data(chart, "trips"), routes = [];
    rows.forEach(function (t) { if (routes.indexOf(t.route) < 0) routes.push(t.route); });
    function hhmm(m) { m = Math.round(m); return ("0" + Math.floor(m / 60) % 24).slice(-2) + ":" + ("0" + m % 60).slice(-2); }
    window.echarts.init(chart).setOption({
      grid: {left: 90, right: 16, top: 10, bottom: 30},
      tooltip: {formatter: function (p) { var t = rows[p.dataIndex]; return t.label + "<br>" + hhmm(t.start) + "–" + hhmm(t.end) + "<br>" + t.load + " / " + t.slots; }},
      xAxis: {type: "value", min: 300, max: 1260, interval: 120, axisLabel: {formatter: hhmm}},
      yAxis: {type: "category", data: routes},
      series: [{
        type: "custom",
        renderItem: function (params, api) {
          var start = api.coord([api.value(0), api.value(2)]), end = api.coord([api.value(1), api.value(2)]);
          var h = api.size([0, 1])[1] * 0.5;
          return {type: "rect", shape: {x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h},
                  style: api.style({fill: api.value(3) >= 0.9 ? "#c62828" : api.value(3) >= 0.5 ? "#ef6c00" : "#2e7d32"})};
        },
        encode: {x: [0, 1], y: 2},
        data: rows.map(function (t) { return [t.start, t.end, routes.indexOf(t.route), t.slots ? t.load / t.slots : 0]; })
      }]
    });
  }
})();
