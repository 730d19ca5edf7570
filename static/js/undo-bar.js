// Delete with undo, on both table pages: the bar stays until it is used, dismissed or
// replaced by the next delete; undo sends `entry:restore` with the entry as it was.

import { format } from "./util.js";

/** An entry without what the page added for its view (number, pending, failed). */
export function stripView(entry) {
  return { id: entry.id, text: entry.text, bollen: entry.bollen, horizons: entry.horizons || [] };
}

/** The undo bar `bar`; getLive() is the LiveClient; the focus goes back to `focusAfter`. */
export function setupUndoBar(bar, { getLive, strings, focusAfter }) {
  let entry = null;
  function hide() {
    entry = null;
    bar.hidden = true;
  }
  bar.querySelector("[data-action=undo]").addEventListener("click", () => {
    if (entry) getLive().send("entry:restore", { id: entry.id }, { entry: stripView(entry) });
    hide();
    focusAfter.focus();
  });
  bar.querySelector("[data-action=dismiss]").addEventListener("click", () => {
    hide();
    focusAfter.focus();
  });
  return {
    show(deleted) {
      entry = deleted;
      bar.querySelector(".text").textContent = format(strings.deleted, { text: deleted.text });
      bar.hidden = false;
      bar.querySelector("[data-action=undo]").focus();
    },
    hide,
  };
}
