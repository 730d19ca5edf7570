// What the rapporteur and participant pages share: the numbered entry list (with edit in
// place and delete for the rapporteur, one tab stop with arrow keys between the entries). Presence,
// the name and the people are in table-page.js; the entry form is in entry-form.js.

import { format, h } from "./util.js";
import { failedNote } from "./unsaved.js";
import { LIMITS } from "./protocol.js";

function checked(scope, name) {
  return [...scope.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function toggles(name, legend, items, selected, idPrefix) {
  return h(
    "fieldset",
    { class: `toggles compact ${name}-toggles` },
    h("legend", {}, legend),
    items.map((item, i) =>
      h(
        "label",
        { class: "toggle" },
        h("input", {
          type: "checkbox", name, value: item.key, id: `${idPrefix}-${name}-${i}`,
          checked: selected.includes(item.key),
        }),
        h("span", {}, item.label),
      ),
    ),
  );
}

/**
 * The numbered list of entries, with "Wijzig" (in place) and "Verwijder" on the entries that
 * `editable` allows: true (the rapporteur: all), or a function of the entry (a participant: own).
 */
export class EntryList {
  constructor(list, { template, strings, editable = false, onUpdate, onDelete, onFailed, onApprove = null, countElement, mine = null, max = LIMITS.entry_text }) {
    this.list = list;
    this.onApprove = onApprove; // the rapporteur's: a participant's entry waiting for approval goes live
    this.mine = mine;
    this.max = max;
    this.active = null; // {id, action}: the one button of the list that Tab reaches
    this.template = template;
    this.strings = strings;
    this.canEdit = typeof editable === "function" ? editable : () => editable;
    this.onUpdate = onUpdate;
    this.onDelete = onDelete;
    this.onFailed = onFailed; // (action, note, entry): "refill", "copy" or "discard" a refused change
    this.countElement = countElement;
    this.rows = new Map(); // id → {li, signature}
    this.editing = new Set();
    this.bolIndex = new Map(template.bollen.map((b, i) => [b.key, i]));
    this.bolLabel = new Map(template.bollen.map((b) => [b.key, b.label]));
    this.horizonLabel = new Map(template.horizons.map((x) => [x.key, x.label]));
    this.readOnly = false;
    this.entries = [];
    this.letters = null;
    list.replaceChildren();
    list.addEventListener("keydown", (event) => this.onKey(event));
    list.addEventListener("focusin", (event) => {
      const button = event.target.closest("li.entry .actions button");
      if (button) this.active = { id: button.closest("li").dataset.id, action: button.dataset.action };
    });
  }

  /** Arrow keys move between the entries' buttons: ↑/↓ the same button a row up or down, ←/→ within a row. */
  onKey(event) {
    const button = event.target.closest && event.target.closest("li.entry .actions button");
    if (!button) return;
    const rows = [...this.list.querySelectorAll("li.entry")].filter((li) => li.querySelector(".actions button"));
    const row = button.closest("li");
    const at = rows.indexOf(row);
    const inRow = [...row.querySelectorAll(".actions button")];
    let target;
    const same = (li) => li.querySelector(`[data-action="${button.dataset.action}"]`) || li.querySelector(".actions button");
    if (event.key === "ArrowDown" && at < rows.length - 1) target = same(rows[at + 1]);
    else if (event.key === "ArrowUp" && at > 0) target = same(rows[at - 1]);
    else if (event.key === "ArrowRight") target = inRow[inRow.indexOf(button) + 1] || null;
    else if (event.key === "ArrowLeft") target = inRow[inRow.indexOf(button) - 1] || null;
    else if (event.key === "Home") target = same(rows[0]);
    else if (event.key === "End") target = same(rows[rows.length - 1]);
    else return;
    event.preventDefault();
    if (!target) return;
    this.active = { id: target.closest("li").dataset.id, action: target.dataset.action };
    this.updateTabStops();
    target.focus();
  }

  /** Exactly one of the list's buttons is in the tab order: the last one used, else the first. */
  updateTabStops() {
    const buttons = [...this.list.querySelectorAll("li.entry .actions button")];
    if (!buttons.length) return;
    let chosen = null;
    if (this.active) {
      const row = this.rows.get(this.active.id);
      chosen = row && row.li.querySelector(`.actions [data-action="${this.active.action}"]`);
    }
    chosen = chosen || buttons[0];
    for (const b of buttons) b.tabIndex = b === chosen ? 0 : -1;
  }

  /**
   * Show a just-added entry: highlighted for a moment, and scrolled into view as long as
   * `keep` (the form with its confirmation) stays in view too; a sticky form always does.
   */
  highlight(id, keep = null) {
    const row = this.rows.get(id);
    if (!row) return;
    row.li.classList.remove("just-added");
    void row.li.offsetWidth; // restart the animation
    row.li.classList.add("just-added");
    clearTimeout(row.highlightTimer);
    row.highlightTimer = setTimeout(() => row.li.classList.remove("just-added"), 4000);
    const box = row.li.getBoundingClientRect();
    const below = box.bottom + 8 - window.innerHeight;
    if (below <= 0) return;
    const sticky = keep && getComputedStyle(keep).position === "sticky";
    const header = document.querySelector(".capture-header");
    const top = header ? header.getBoundingClientRect().bottom : 0;
    if (!keep || sticky || keep.getBoundingClientRect().top - below >= top) window.scrollBy(0, below);
  }

  setLetters(letters) {
    this.letters = letters;
  }

  setReadOnly(readOnly) {
    if (this.readOnly === readOnly) return;
    this.readOnly = readOnly;
    for (const id of [...this.editing]) this.stopEditing(id, false);
    for (const row of this.rows.values()) row.signature = null;
    this.render(this.entries);
  }

  render(entries) {
    this.entries = entries;
    if (this.countElement) this.countElement.textContent = `(${entries.length})`;
    const seen = new Set();
    let previous = null;
    if (!entries.length) {
      if (!this.emptyRow) this.emptyRow = h("li", { class: "empty" }, this.strings.empty);
      if (this.emptyRow.parentNode !== this.list) this.list.prepend(this.emptyRow);
      previous = this.emptyRow;
    } else if (this.emptyRow && this.emptyRow.parentNode) {
      this.emptyRow.remove();
    }
    entries.forEach((entry, i) => {
      seen.add(entry.id);
      let row = this.rows.get(entry.id);
      if (!row) {
        row = { li: h("li", { class: "entry", dataset: { id: entry.id } }), signature: null };
        this.rows.set(entry.id, row);
      }
      const number = entry.number || i + 1;
      const mine = Boolean(this.mine && this.mine.has(entry.id));
      const editable = this.canEdit(entry);
      const signature = JSON.stringify([number, entry.text, entry.bollen, entry.horizons, entry.pending, entry.waiting, entry.failed, mine, editable, this.readOnly]);
      if (!this.editing.has(entry.id) && row.signature !== signature) {
        this.fill(row.li, entry, number);
        row.signature = signature;
      }
      row.entry = entry;
      row.number = number;
      const expected = previous ? previous.nextSibling : this.list.firstChild;
      if (row.li !== expected) this.list.insertBefore(row.li, expected);
      previous = row.li;
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
        this.editing.delete(id);
      }
    }
    this.updateTabStops();
  }

  fill(li, entry, number) {
    const s = this.strings;
    // a redraw (an acknowledgement, someone else's change) must not take the focus away
    const focused = li.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    li.classList.toggle("pending", Boolean(entry.pending));
    li.classList.toggle("failed", Boolean(entry.failed));
    const tags = h("p", { class: "tags" });
    for (const key of entry.bollen || []) {
      if (!this.bolLabel.has(key)) continue;
      tags.append(h("span", { class: `tag bol bol-${this.bolIndex.get(key)}` }, this.bolLabel.get(key)), " ");
    }
    for (const key of entry.horizons || []) {
      if (!this.horizonLabel.has(key)) continue;
      const letter = this.letters && this.letters.get(key);
      tags.append(
        h("span", { class: "tag horizon" }, letter ? h("b", { "aria-hidden": "true" }, letter) : null,
          letter ? " " : null, this.horizonLabel.get(key)),
        " ",
      );
    }
    if (this.mine && this.mine.has(entry.id) && !(entry.failed && entry.failed.event === "entry:add")) {
      tags.append(h("span", { class: "tag mine-tag" }, `${s.mine} · `, entry.pending ? s.pending : `✓ ${s.sent}`), " ");
    } else if (entry.pending) {
      tags.append(h("span", { class: "tag pending-tag", title: s.pendingTitle }, s.pending));
    }
    li.classList.toggle("waiting", Boolean(entry.waiting));
    if (entry.waiting) tags.append(h("span", { class: "tag waiting-tag" }, s.waiting));
    const body = h("div", { class: "body" }, h("p", { class: "text" }, entry.text), tags);
    const children = [h("span", { class: "num" }, String(number)), body];
    const refusedAdd = entry.failed && entry.failed.event === "entry:add";
    if (entry.failed) body.append(failedNote(entry, this.strings, this.readOnly, this.onFailed));
    if (this.canEdit(entry) && !this.readOnly && !refusedAdd) {
      const edit = h(
        "button",
        { type: "button", class: "small", dataset: { action: "edit" }, "aria-label": format(s.editLabel, { n: number }) },
        s.edit,
      );
      const remove = h(
        "button",
        {
          type: "button", class: "small danger", dataset: { action: "delete" },
          "aria-label": format(s.deleteLabel, { n: number }),
        },
        s.delete,
      );
      edit.addEventListener("click", () => this.startEditing(entry.id));
      remove.addEventListener("click", () => this.onDelete(this.rows.get(entry.id).entry));
      const approve = entry.waiting && this.onApprove
        ? h("button", { type: "button", class: "small", dataset: { action: "approve" }, "aria-label": format(s.approveLabel, { n: number }) }, s.approve)
        : null;
      if (approve) approve.addEventListener("click", () => this.onApprove(this.rows.get(entry.id).entry));
      children.push(h("div", { class: "actions" }, approve, edit, remove));
    }
    li.replaceChildren(...children);
    if (focused) {
      const again = li.querySelector(`[data-action="${focused}"]`);
      if (again) again.focus();
    }
  }

  startEditing(id, values) {
    const row = this.rows.get(id);
    if (!row || this.readOnly) return;
    const s = this.strings;
    const entry = { ...row.entry, ...(values || {}) };
    this.editing.add(id);
    const prefix = `edit-${id.slice(0, 8)}`;
    const input = h("input", { type: "text", class: "edit-text", value: entry.text, "aria-label": s.editText });
    const form = h(
      "form",
      { class: "edit-form", novalidate: true },
      input,
      toggles("bollen", s.bollen, this.template.bollen, entry.bollen || [], prefix),
      toggles("horizons", s.horizons, this.template.horizons, entry.horizons || [], prefix),
      h("p", { class: "form-error", role: "alert", hidden: true }),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "primary small" }, s.save),
        " ",
        h("button", { type: "button", class: "small", dataset: { action: "cancel" } }, s.cancel),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      const bollen = checked(form, "bollen");
      const horizons = checked(form, "horizons");
      const error = form.querySelector(".form-error");
      if (!text || !bollen.length || text.length > this.max) {
        error.textContent = !text ? s.needText : text.length > this.max ? format(s.tooLong, { n: text.length, max: this.max }) : s.needBol;
        error.hidden = false;
        return;
      }
      const current = this.rows.get(id).entry;
      const changes = {};
      if (text !== current.text) changes.text = text;
      if (JSON.stringify(bollen) !== JSON.stringify(current.bollen)) changes.bollen = bollen;
      if (JSON.stringify(horizons) !== JSON.stringify(current.horizons || [])) changes.horizons = horizons;
      this.stopEditing(id, true);
      if (Object.keys(changes).length) this.onUpdate(id, changes);
    });
    form.querySelector("[data-action=cancel]").addEventListener("click", () => this.stopEditing(id, true));
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.stopEditing(id, true);
      } else if (event.key === "Enter" && event.target.type === "checkbox") {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    row.li.replaceChildren(h("span", { class: "num" }, String(row.number)), form);
    row.li.classList.add("editing");
    input.focus();
    input.select();
  }

  stopEditing(id, focus) {
    this.editing.delete(id);
    const row = this.rows.get(id);
    if (!row) return;
    row.li.classList.remove("editing");
    row.signature = null;
    this.render(this.entries);
    if (focus) {
      const button = row.li.querySelector(".actions button");
      if (button) button.focus();
    }
  }
}
