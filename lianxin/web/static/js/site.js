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

// The staff menu's dropdowns: one open at a time; a click elsewhere or Escape closes it.
(function () {
  var menus = document.querySelectorAll(".site-header nav details");
  if (!menus.length) return;
  function closeAll(except) {
    menus.forEach(function (menu) { if (menu !== except) menu.removeAttribute("open"); });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) closeAll(menu); });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".site-header nav details")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector(".site-header nav details[open]");
      if (open) { closeAll(null); open.querySelector("summary").focus(); }
    }
  });
})();

// Destructive forms carry data-confirm: the browser asks first, and nothing is sent unless the user agrees.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
}, true);
