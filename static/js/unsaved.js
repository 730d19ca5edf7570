// A change the server refused for a reason a person can act on (too long, an unknown bol…):
// its text stays on the page as "niet opgeslagen" with the reason, to put back into the
// form, copy, or discard — never dropped silently (docs/protocol.md, the retry rule).

import { format, h } from "./util.js";

/** The note under a refused entry: "niet opgeslagen", the reason, its text, the actions. */
export function failedNote(entry, s, readOnly, onFailed) {
  const note = entry.failed;
  const unsaved = note.event === "entry:update" && note.text && note.text !== entry.text;
  const button = (action, label) => {
    const b = h("button", { type: "button", class: "small", dataset: { action } }, label);
    b.addEventListener("click", () => {
      if (action === "copy") b.textContent = s.copied;
      if (onFailed) onFailed(action, note, entry);
    });
    return b;
  };
  return h(
    "div",
    { class: "failed-note", role: "note" },
    h("p", {}, h("strong", { class: "tag failed-tag" }, s.unsaved), " ", note.message),
    unsaved ? h("p", { class: "unsaved-text" }, format(s.unsavedText, { text: note.text })) : null,
    h(
      "p",
      { class: "failed-actions" },
      readOnly ? null : button("refill", s.refill),
      " ",
      button("copy", s.copy),
      " ",
      button("discard", s.discard),
    ),
  );
}

/**
 * What the person can do with a change the server refused (entries.js draws it): put it back
 * into the form to correct it, copy its text, or discard it. `form` is the entry form.
 */
export function failedActions(getLive, list, form) {
  return (action, note, entry) => {
    const live = getLive();
    if (action === "copy") {
      const text = note.text || entry.text;
      if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
      return;
    }
    if (action === "refill" && note.event === "entry:update") {
      list.startEditing(entry.id, {
        text: note.text || entry.text,
        bollen: note.bollen || entry.bollen,
        horizons: note.horizons || entry.horizons,
      });
    } else if (action === "refill") {
      const text = form.querySelector("#entry-text");
      text.value = note.text || "";
      for (const input of form.querySelectorAll('input[name="bollen"]')) {
        input.checked = (note.bollen || []).includes(input.value);
      }
      for (const input of form.querySelectorAll('input[name="horizons"]')) {
        input.checked = (note.horizons || []).includes(input.value);
      }
      text.focus();
    }
    live.dismissFailed(note.op);
  };
}
