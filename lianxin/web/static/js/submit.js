// The appeal form: pick the place on the map or from the phone's position, limit the photo count,
// and disable the button once submitted (the server also refuses a second appeal from the same form).
(function () {
  var form = document.getElementById("appeal-form");
  if (!form) return;
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  var status = document.getElementById("location-status");
  var isEn = document.documentElement.lang === "en";
  var map = null, marker = null, home = null;

  var community = document.getElementById("community_id");
  var asked = 0;

  function chosenText(source, name) {
    return (isEn ? "Chosen position (" + source + "): " : "已选位置（" + source + "）：") + lat.value + ", " + lng.value +
      (name ? (isEn ? " · community: " : " · 所在社区：") + name : "");
  }

  // Which community the point is in (the server answers from the deployment's boundaries); a point outside
  // the jurisdiction is not kept, and the message says why.
  function locatePoint(source) {
    var ask = ++asked;
    fetch("/appeal/locate?lat=" + encodeURIComponent(lat.value) + "&lng=" + encodeURIComponent(lng.value), {headers: {Accept: "application/json"}})
      .then(function (response) { return response.json().then(function (body) { return {ok: response.ok, body: body}; }); })
      .then(function (answer) {
        if (ask !== asked) return;
        var body = answer.body;
        if (!answer.ok) {
          lat.value = ""; lng.value = "";
          if (marker) { marker.remove(); marker = null; }
          if (map && home) map.fitBounds(home, {padding: [20, 20], maxZoom: 15});  // back to the jurisdiction
          status.classList.add("map-message");
          status.textContent = (isEn ? body.message_en : body.message) || (isEn ? "This position cannot be used." : "该位置无法使用。");
          return;
        }
        if (body.community_id && community) community.value = String(body.community_id);
        status.textContent = chosenText(source, body.name);
      })
      .catch(function () { /* offline: the position stays; the server checks it on submit */ });
  }

  function choose(latitude, longitude, source, onMap) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    status.classList.remove("map-message");
    status.textContent = chosenText(source, null);
    if (map) {
      if (marker) marker.setLatLng([latitude, longitude]);
      else marker = window.L.marker([latitude, longitude], {keyboard: false}).addTo(map);
      if (!onMap) map.panTo([latitude, longitude]);  // a tap on the map stays where it was
    }
    locatePoint(source);
  }

  var box = document.getElementById("pick-map");
  if (box && window.L) {
    var points = JSON.parse(box.dataset.points || "[]");
    var areas = box.dataset.areas ? JSON.parse(box.dataset.areas) : null;
    map = window.L.map(box, {attributionControl: !!box.dataset.tiles, maxZoom: 18, zoomSnap: 0.25});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    var bounds = window.L.latLngBounds([]);
    if (areas && areas.features.length) {
      // the communities' boundaries with their names; a click inside one falls through to the map
      var layer = window.L.geoJSON(areas, {
        style: function () { return {color: "#b71c1c", weight: 1, fillColor: "#fde8e8", fillOpacity: 0.35}; },
        onEachFeature: function (f, shape) { shape.bindTooltip(f.properties.name, {sticky: true}); },
        interactive: true, bubblingMouseEvents: true
      }).addTo(map);
      bounds.extend(layer.getBounds());
    }
    points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lng], {radius: 6, color: "#b71c1c", weight: 1, fillOpacity: 0.5})
        .bindTooltip(p.name).addTo(map);
      bounds.extend([p.lat, p.lng]);
    });
    home = bounds.isValid() ? bounds : null;
    if (home) map.fitBounds(home, {padding: [20, 20], maxZoom: 15}); else map.setView([35, 105], 4);
    box.dataset.drawn = String((areas ? areas.features.length : 0) + points.length);
    map.on("click", function (e) { choose(e.latlng.lat, e.latlng.lng, isEn ? "map" : "地图", true); });
    if (lat.value && lng.value) {  // the form came back (an error elsewhere): show the point, keep the choice
      marker = window.L.marker([parseFloat(lat.value), parseFloat(lng.value)], {keyboard: false}).addTo(map);
    }
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
