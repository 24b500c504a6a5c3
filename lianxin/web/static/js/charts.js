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
  // Community boundaries (offline: no tiles unless configured), each shaded by its count and labelled with
  // its name; communities without a boundary keep their point.
  var points = JSON.parse(box.dataset.points || "[]");
  var areas = box.dataset.areas ? JSON.parse(box.dataset.areas) : null;
  var map = window.L.map(box, {attributionControl: !!box.dataset.tiles, maxZoom: 18, zoomSnap: 0.25});
  if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
  var bounds = window.L.latLngBounds([]);
  if (areas && areas.features.length) {
    var layer = window.L.geoJSON(areas, {
      style: function (f) { return {color: "#5f6b7a", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.9}; },
      onEachFeature: function (f, shape) {
        var count = f.properties.count;
        var label = document.createElement("span"), name = document.createElement("b");
        name.textContent = f.properties.name; label.appendChild(name);
        if (count != null) { label.appendChild(document.createElement("br")); label.appendChild(document.createTextNode(count + box.dataset.unit)); }
        shape.bindTooltip(label, {permanent: true, direction: "center", className: "area-label"});
        var popup = document.createElement("span");
        popup.textContent = f.properties.name + "：" + (count == null ? box.dataset.few : count + box.dataset.unit);
        shape.bindPopup(popup);
      }
    }).addTo(map);
    bounds.extend(layer.getBounds());
  }
  var max = Math.max.apply(null, points.map(function (p) { return p.count; }).concat([1]));
  points.forEach(function (p) {
    window.L.circleMarker([p.lat, p.lng], {radius: 6 + 18 * Math.sqrt(p.count / max), color: "#b71c1c", weight: 1, fillOpacity: 0.45})
      .bindTooltip(p.name + "：" + p.count, {permanent: false}).addTo(map);
    bounds.extend([p.lat, p.lng]);
  });
  if (bounds.isValid()) map.fitBounds(bounds, {padding: [12, 12], maxZoom: 14}); else map.setView([35, 105], 4);
  box.dataset.drawn = String((areas ? areas.features.length : 0) + points.length);
})();
