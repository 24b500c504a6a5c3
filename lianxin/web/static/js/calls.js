// The call panel on the intake desk (lianxin.calls): it polls every 2 s and sends the stamp it shows, so the
// server answers 204 while nothing changed. When a new call appears, the form is pre-filled once: the caller's
// number (if empty) and, for a merged department hotline, its channel and default category; the repeats box refreshes.
(function () {
  var desk = document.getElementById("call-desk");
  if (!desk) return;
  var applied = "";
  desk.addEventListener("htmx:configRequest", function (event) {
    var seen = document.getElementById("call-seen");
    if (event.detail.verb === "get" && seen) event.detail.parameters.seen = seen.value;
  });
  desk.addEventListener("htmx:afterSwap", function () {
    var body = document.getElementById("call-desk-body");
    if (!body || !body.dataset.callId || body.dataset.callId === applied) return;
    applied = body.dataset.callId;
    var phone = document.getElementById("appellant_phone");
    if (phone && !phone.value) {
      phone.value = body.dataset.phone;
      phone.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var channel = document.getElementById("channel");
    if (channel && body.dataset.channel) channel.value = body.dataset.channel;
    var category = document.getElementById("category_id");
    if (category && body.dataset.category && !category.value) category.value = body.dataset.category;
  });
})();
