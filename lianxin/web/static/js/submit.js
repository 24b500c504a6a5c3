// The appeal form: pick the place on the map or from the phone's position, limit the photo count,
// and disable the button once submitted (the server also refuses a second appeal from the same form).
(function () {
  var form = document.getElementById("appeal-form");
  if (!form) return;
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  var status = document.getElementById("location-status");
  var isEn = document.documentElement.lang === "en";
  var map = null, marker = null;

  function choose(latitude, longitude, source) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    status.textContent = (isEn ? "Chosen position (" + source + "): " : "已选位置（" + source + "）：") + lat.value + ", " + lng.value;
    if (map) {
      if (marker) marker.setLatLng([latitude, longitude]);
      else marker = window.L.marker([latitude, longitude], {keyboard: false}).addTo(map);
      map.panTo([latitude, longitude]);
    }
  }

  var box = document.getElementById("pick-map");
  if (box && window.L) {
    var points = JSON.parse(box.dataset.points || "[]");
    map = window.L.map(box, {attributionControl: !!box.dataset.tiles, maxZoom: 18});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lng], {radius: 6, color: "#b71c1c", weight: 1, fillOpacity: 0.5})
        .bindTooltip(p.name).addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, {padding: [20, 20], maxZoom: 15}); else map.setView([35, 105], 4);
    map.on("click", function (e) { choose(e.latlng.lat, e.latlng.lng, isEn ? "map" : "地图"); });
    if (lat.value && lng.value) choose(parseFloat(lat.value), parseFloat(lng.value), isEn ? "map" : "地图");
  }

  var locate = document.getElementById("locate-me");
  if (!navigator.geolocation) locate.hidden = true;
  locate.addEventListener("click", function () {
    status.textContent = isEn ? "Locating…" : "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      choose(pos.coords.latitude, pos.coords.longitude, isEn ? "my location" : "我的位置");
    }, function () {
      status.textContent = isEn ? "Could not get your location; type the address or tap the map." : "无法获取位置，请填写地址或在地图上点选。";
    }, {enableHighAccuracy: true, timeout: 10000});
  });

  var photos = document.getElementById("photos");
  photos.addEventListener("change", function () {
    var max = parseInt(photos.dataset.max, 10);
    photos.setCustomValidity(photos.files.length > max ? (isEn ? "At most " + max + " photos" : "最多 " + max + " 张照片") : "");
    photos.reportValidity();
  });

  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-appeal");
    setTimeout(function () { button.disabled = true; }, 0);
  });
})();
