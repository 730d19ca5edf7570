// In a round every table sees (visibility "all" in [[rounds]]): the other tables' entries of
// that round, on both table pages, under the table's own. Seeded from the snapshot's `others`
// (kept by TableState), then kept current by the other tables' `entry` and `entry:deleted`
// events, which reach this table only in such a round. Markup: #others-box in
// templates/capture/_others.html.

import { currentRound } from "./round-box.js";
import { format, h } from "./util.js";

export class OthersBox {
  constructor(root) {
    this.root = root;
    this.strings = root ? JSON.parse(root.dataset.strings || "{}") : {};
    this.seed = null;
    this.tables = new Map(); // table → Map(id → entry)
    this.drawn = "";
  }

  /** The snapshot's other tables (a new snapshot starts again from it). */
  reseed(others) {
    this.seed = others;
    this.tables = new Map((others || []).map((t) => [t.table, new Map(t.entries.map((e) => [e.id, e]))]));
  }

  /** An `entry` or `entry:deleted` event of another table. */
  apply(name, data) {
    if (!data || data.table == null) return;
    if (!this.tables.has(data.table)) this.tables.set(data.table, new Map());
    const entries = this.tables.get(data.table);
    if (name === "entry:deleted") entries.delete(data.id);
    else if (name === "entry" && data.entry) {
      const entry = data.entry;
      if (!entry.text || entry.hidden || entry.waiting) entries.delete(entry.id);
      else entries.set(entry.id, entry);
    }
  }

  render(state) {
    if (!this.root) return;
    if (state.others !== this.seed) this.reseed(state.others);
    const round = currentRound(state.meeting);
    const shared = round && round.visibility === "all";
    const groups = shared
      ? [...this.tables.entries()]
          .sort(([a], [b]) => a - b)
          .map(([table, entries]) => [table, [...entries.values()].filter((e) => (e.round || 1) === round.number)])
          .filter(([, entries]) => entries.length)
      : [];
    const signature = JSON.stringify([shared, groups.map(([t, e]) => [t, e.map((x) => x.id + x.text)])]);
    if (signature === this.drawn) return;
    this.drawn = signature;
    this.root.hidden = !shared;
    const list = this.root.querySelector(".others-list");
    list.replaceChildren(
      ...(groups.length
        ? groups.map(([table, entries]) =>
            h("li", { class: "others-table" }, h("h3", {}, format(this.strings.table, { n: table })), h("ul", {}, entries.map((e) => h("li", {}, e.text)))),
          )
        : [h("li", { class: "empty" }, this.strings.none)]),
    );
  }
}
