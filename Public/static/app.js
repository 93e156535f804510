// Gongzhi: the only script, and every page works without it. On a phone, a list's filters start folded away
// behind one button, so the first results are on the first screen.
"use strict";
if (window.matchMedia("(max-width: 640px)").matches) {
  for (const filters of document.querySelectorAll("details.filters[open]")) filters.removeAttribute("open");
}
