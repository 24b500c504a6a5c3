// Staff intake: Ctrl+Enter submits; "use this answer" copies a knowledge-base answer (and remembers the entry) and picks "answer now".
(function () {
  var form = document.getElementById("intake-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".use-answer");
    if (!button) return;
    document.getElementById("answer").value = button.dataset.answer;
    document.getElementById("kb_entry_id").value = button.dataset.entry;
    var radio = form.querySelector("input[name=disposition][value=answer]");
    if (radio) radio.checked = true;
    document.getElementById("answer").focus();
  });
})();
