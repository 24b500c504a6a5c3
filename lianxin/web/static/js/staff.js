// Staff intake: Ctrl+Enter submits; "use this answer" copies a knowledge-base answer (and remembers the entry) and picks "answer now";
// a category suggestion can be chosen with the mouse or the keyboard.
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
  // Repeats: "merge into this" marks the call being recorded to be merged into that appeal on saving.
  var mergeInto = document.getElementById("merge_into");
  function chooseMerge(orderNo) {
    mergeInto.value = orderNo;
    document.getElementById("merge-order").textContent = orderNo;
    document.getElementById("merge-choice").hidden = !orderNo;
  }
  document.addEventListener("click", function (event) {
    var merge = event.target.closest(".merge-into");
    if (merge) chooseMerge(merge.dataset.order);
    if (event.target.closest("#merge-cancel")) chooseMerge("");
  });
  // Category suggestions: the fragment reads ``text``; its top pick fills the hidden predicted_category_id;
  // choosing a suggestion (click, Enter or Space) sets the category select.
  var box = document.getElementById("routing-box");
  if (!box) return;
  box.addEventListener("htmx:configRequest", function (event) {
    event.detail.parameters.text = document.getElementById("content").value;
  });
  box.addEventListener("htmx:afterSwap", function () {
    var items = box.querySelectorAll("li[data-category-id]");
    document.getElementById("predicted_category_id").value = items.length ? items[0].dataset.categoryId : "";
    items.forEach(function (li) { li.tabIndex = 0; li.setAttribute("role", "button"); li.setAttribute("aria-pressed", "false"); });
  });
  function pick(li) {
    var select = document.getElementById("category_id");
    if (!select.querySelector('option[value="' + li.dataset.categoryId + '"]')) return;
    select.value = li.dataset.categoryId;
    box.querySelectorAll("li[data-category-id]").forEach(function (other) { other.setAttribute("aria-pressed", String(other === li)); });
  }
  box.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-category-id]");
    if (li) pick(li);
  });
  box.addEventListener("keydown", function (event) {
    var li = event.target.closest("li[data-category-id]");
    if (li && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); pick(li); }
  });
})();
