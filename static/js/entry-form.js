// The fast entry form of both table pages: text with a live character count, a toggle per
// bol and per horizon, "Toevoegen" (Enter adds), and a visible "Toegevoegd" moment after.
//
// Too long is refused before sending, with the count in red and a sentence that says so:
// nothing is cut. After an add the toggles are cleared, so the next entry does not silently
// inherit where the last one went.

import { format } from "./util.js";
import { LIMITS } from "./protocol.js";

const CONFIRM_MS = 6000;

function checked(scope, name) {
  return [...scope.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

/** "123 / 500", and whether that is over the limit. */
export function countText(length, max, strings) {
  return { text: format(strings.counter, { n: length, max }), over: length > max };
}

/**
 * Wire the form. onAdd({text, bollen, horizons}) queues the entry and returns its id;
 * describe(id, text) then gives the sentence for the confirmation ("Toegevoegd als nr. 8: …").
 */
export function setupEntryForm(form, { onAdd, strings, max = LIMITS.entry_text, describe = null }) {
  const text = form.querySelector("#entry-text");
  const error = form.querySelector("#entry-error");
  const counter = form.querySelector("#entry-counter");
  const confirmation = form.querySelector("#entry-added");
  const button = form.querySelector("button[type=submit]");
  let confirmTimer = null;
  button.disabled = false;

  function showError(message, focus) {
    error.textContent = message;
    error.hidden = !message;
    text.toggleAttribute("aria-invalid", Boolean(message) && focus === text);
    if (focus) focus.focus();
  }

  function updateCounter() {
    if (!counter) return false;
    const { text: shown, over } = countText(text.value.trim().length, max, strings);
    counter.textContent = shown;
    counter.classList.toggle("over", over);
    return over;
  }

  function confirm(message) {
    if (!confirmation) return;
    clearTimeout(confirmTimer);
    confirmation.textContent = message;
    confirmation.hidden = false;
    confirmTimer = setTimeout(() => {
      confirmation.hidden = true;
      confirmation.textContent = "";
    }, CONFIRM_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    const free = "free" in form.dataset; // a round of free entries: no bollen, no horizons
    const bollen = free ? [] : checked(form, "bollen");
    const horizons = free ? [] : checked(form, "horizons");
    if (!value) return showError(strings.needText, text);
    if (value.length > max) return showError(format(strings.tooLong, { n: value.length, max }), text);
    if (!bollen.length && !free) return showError(strings.needBol, form.querySelector('input[name="bollen"]'));
    showError("");
    const id = onAdd({ text: value, bollen, horizons });
    confirm(describe && id ? describe(id, value) : format(strings.added, { text: value }));
    text.value = "";
    for (const input of form.querySelectorAll('input[type="checkbox"]')) input.checked = false;
    updateCounter();
    text.focus();
  });
  // Enter on a toggle adds too (a browser only submits on Enter in a text field)
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.type === "checkbox") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("change", () => {
    if (!error.hidden && checked(form, "bollen").length && text.value.trim().length <= max) showError("");
  });
  text.addEventListener("input", () => {
    const over = updateCounter();
    if (over) {
      error.textContent = format(strings.tooLong, { n: text.value.trim().length, max });
      error.hidden = false;
      text.setAttribute("aria-invalid", "true");
    } else if (!error.hidden && text.value.trim()) showError("");
  });
  updateCounter();
}
