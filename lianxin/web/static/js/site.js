// Large-text mode: remembered in a cookie so the server renders the page large from the start.
(function () {
  var button = document.getElementById("big-text-toggle");
  if (!button) return;
  button.addEventListener("click", function () {
    var on = !document.documentElement.classList.contains("big");
    document.documentElement.classList.toggle("big", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    document.cookie = "lianxin_big=" + (on ? "1" : "0") + "; path=/; max-age=31536000; samesite=lax";
  });
})();
