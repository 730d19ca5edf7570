// The screen's groups view: every group of entries across tables (the chair's, or accepted
// suggestions), each with its name, the tables its entries come from and the entries, readable
// at the back of the room. Drawn from the meeting's `groups` (snapshot and `group` events).

import { $, listText, tableBadge } from "./screen-parts.js";
import { format, h } from "./util.js";

/** Every entry of the meeting by id, with its table (whatever round the screen shows). */
export function entriesById(state) {
  const found = new Map();
  for (const number of state.numbers()) {
    for (const entry of state.table(number).entries.values()) found.set(entry.id, { entry, table: number });
  }
  return found;
}

export function renderGroups(ctx) {
  const s = ctx.strings;
  const groups = ctx.meeting.groups || [];
  const entries = entriesById(ctx.state);
  const cards = groups.map((group) => {
    const items = group.entries
      .map((id) => entries.get(id))
      .filter((item) => item && (ctx.chair || !item.entry.hidden))
      .map(({ entry, table }) =>
        h("li", { class: entry.hidden ? "is-hidden" : null }, tableBadge(ctx, table), " ", h("span", { class: "text" }, entry.text)),
      );
    return h(
      "li",
      { class: "group-card", dataset: { group: group.id } },
      h("h3", { class: "group-name" }, group.name),
      h("p", { class: "group-tables" }, format(s.groupTables, { n: items.length, list: listText(group.tables) })),
      h("ul", { class: "group-entries" }, items),
    );
  });
  $("groups-list").replaceChildren(...(cards.length ? cards : [h("li", { class: "empty" }, s.groupsNone)]));
}
