// The chair's groups of entries across tables: suggestions from the entries' words (accept one
// as it is or under another name), a new group from entries the chair ticks, rename, merge,
// dissolve, and undo of the last change. Every change is one `group:set` (its acknowledgement
// carries the groups as they were, which undo sets back); the screens follow the `group` events.
//
// Markup: the #group-control section of templates/screen/_chair_panel.html.

import { entriesById } from "./screen-groups.js";
import { applyGroup } from "./reducer.js";
import { format, h, uuid } from "./util.js";

const SUGGEST_MS = 15000;

export function attachGroups(controls) {
  const root = document.getElementById("group-control");
  if (!root) return null;
  const app = controls.app;
  const strings = JSON.parse(root.dataset.strings || "{}");
  const list = root.querySelector("#group-list");
  const suggestions = root.querySelector("#group-suggestions");
  const note = root.querySelector("#group-note");
  const undoButton = root.querySelector("#group-undo");
  const form = root.querySelector("#group-form");
  const picker = root.querySelector("#group-picker");
  let lastChange = null; // {previous, made}: what undo sets back
  let offered = [];
  let drawn = "";

  const groups = () => app.meeting().groups || [];

  function set(group, { remember = true } = {}) {
    return controls.send("group:set", { id: group.id, name: group.name, entries: group.entries }, null, {
      onAck: (ack) => {
        for (const changed of ack.groups || []) applyGroup(app.state, changed);
        if (remember) {
          const before = new Set((ack.previous || []).map((g) => g.id));
          lastChange = { previous: ack.previous || [], made: (ack.groups || []).filter((g) => !before.has(g.id)) };
          undoButton.hidden = false;
        }
        app.meetingChanged();
      },
    });
  }

  function undo() {
    if (!lastChange) return;
    for (const old of lastChange.previous) set(old, { remember: false });
    for (const made of lastChange.made) set({ ...made, entries: [] }, { remember: false });
    lastChange = null;
    undoButton.hidden = true;
    note.textContent = strings.undone;
  }

  function suggest() {
    const socket = app.socket;
    if (!socket || !socket.connected) return controls.message(app.strings.chairOffline);
    note.textContent = strings.suggesting;
    socket.timeout(SUGGEST_MS).emit("groups:suggest", {}, (err, ack) => {
      if (err || !ack || !ack.ok) {
        note.textContent = (ack && ack.message) || app.strings.chairNoAnswer;
        return;
      }
      offered = ack.groups || [];
      note.textContent = offered.length ? format(strings.suggested, { n: offered.length }) : strings.noSuggestions;
      renderSuggestions();
    });
  }

  function renderSuggestions() {
    const entries = entriesById(app.state);
    suggestions.replaceChildren(
      ...offered.map((offer, i) =>
        h(
          "li",
          { class: "suggestion" },
          h("label", { for: `suggestion-${i}`, class: "visually-hidden" }, format(strings.nameOf, { n: i + 1 })),
          h("input", { id: `suggestion-${i}`, type: "text", value: offer.name, maxlength: "120", "data-focus-key": `suggestion-${i}` }),
          h("span", { class: "suggestion-info" }, format(strings.entriesAt, { n: offer.entries.length, list: offer.tables.join(", ") })),
          h("span", { class: "suggestion-texts" }, offer.entries.map((id) => (entries.get(id) || {}).entry?.text).filter(Boolean).join(" · ")),
          h("button", { type: "button", "data-accept": String(i) }, strings.accept),
        ),
      ),
    );
  }

  function renderPicker() {
    const entries = entriesById(app.state);
    const grouped = new Map(groups().flatMap((g) => g.entries.map((id) => [id, g.name])));
    const fieldsets = app.state.numbers().map((number) => {
      const items = [...entries.values()].filter((item) => item.table === number && !item.entry.hidden);
      return h(
        "fieldset",
        { class: "picker-table" },
        h("legend", {}, format(strings.table, { n: number })),
        items.map(({ entry }) =>
          h(
            "label",
            { class: "check" },
            h("input", { type: "checkbox", name: "entry", value: entry.id }),
            ` ${entry.text}`,
            grouped.has(entry.id) ? h("span", { class: "in-group" }, ` (${grouped.get(entry.id)})`) : null,
          ),
        ),
      );
    });
    picker.replaceChildren(...fieldsets);
  }

  function render() {
    const current = groups();
    const signature = JSON.stringify(current);
    if (signature === drawn) return;
    drawn = signature;
    list.replaceChildren(
      ...current.map((group) =>
        h(
          "li",
          { class: "group-row", dataset: { group: group.id } },
          h("label", { for: `group-name-${group.id}`, class: "visually-hidden" }, strings.rename),
          h("input", { id: `group-name-${group.id}`, type: "text", value: group.name, maxlength: "120", "data-rename": group.id }),
          h("span", { class: "group-info" }, format(strings.entriesAt, { n: group.entries.length, list: group.tables.join(", ") })),
          current.length > 1
            ? h(
                "select",
                { "data-merge": group.id, "aria-label": format(strings.mergeInto, { name: group.name }) },
                h("option", { value: "" }, strings.mergeChoose),
                current.filter((g) => g.id !== group.id).map((g) => h("option", { value: g.id }, g.name)),
              )
            : null,
          h("button", { type: "button", "data-dissolve": group.id }, strings.dissolve),
        ),
      ),
    );
    if (root.querySelector("details.group-new")?.open) renderPicker();
  }

  root.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.id === "group-suggest") suggest();
    else if (target.id === "group-undo") undo();
    else if (target.dataset.accept !== undefined) {
      const i = Number(target.dataset.accept);
      const offer = offered[i];
      const name = (root.querySelector(`#suggestion-${i}`).value || "").trim() || offer.name;
      set({ id: uuid(), name, entries: offer.entries });
      offered = offered.filter((_, j) => j !== i);
      renderSuggestions();
    } else if (target.dataset.dissolve) {
      const group = groups().find((g) => g.id === target.dataset.dissolve);
      if (group) set({ ...group, entries: [] });
    }
  });
  root.addEventListener("change", (event) => {
    const target = event.target;
    if (target.dataset.rename) {
      const group = groups().find((g) => g.id === target.dataset.rename);
      const name = target.value.trim();
      if (group && name && name !== group.name) set({ ...group, name });
    } else if (target.dataset.merge && target.value) {
      const from = groups().find((g) => g.id === target.dataset.merge);
      const into = groups().find((g) => g.id === target.value);
      if (from && into) set({ ...into, entries: [...into.entries, ...from.entries] });
    }
  });
  root.querySelector("details.group-new").addEventListener("toggle", (event) => {
    if (event.target.open) renderPicker();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const chosen = [...picker.querySelectorAll("input[name=entry]:checked")].map((el) => el.value);
    if (!name || !chosen.length) {
      note.textContent = strings.needNameAndEntries;
      return;
    }
    if (set({ id: uuid(), name, entries: chosen })) {
      form.reset();
      note.textContent = "";
    }
  });

  app.hooks.push(render);
  render();
  return { render };
}
