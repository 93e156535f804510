// Gongzhi: the only script, and every page works without it. On a phone, a list's filters start folded away
// behind one button, so the first results are on the first screen.
"use strict";
if (window.matchMedia("(max-width: 640px)").matches) {
  for (const filters of document.querySelectorAll("details.filters[open]")) filters.removeAttribute("open");
}
// The queue's "select all" box (hidden without a script: each row's own box still works).
for (const all of document.querySelectorAll("input.select-all")) {
  all.hidden = false;
  all.addEventListener("change", () => {
    for (const box of all.closest("form").querySelectorAll('input[name="ids[]"]')) box.checked = all.checked;
  });
}

// A print button (the certificate of hours): shown only where the script runs, since it needs it.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
