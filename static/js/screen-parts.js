// What the screen's views have in common: a table's badge, an entry as a list item, and small
// text helpers. User text is always set as text, never as markup.

import { horizonSymbols } from "./bollen-layout.js";
import { tableSlot } from "./screen-diagram.js";
import { format, h } from "./util.js";

export const $ = (id) => document.getElementById(id);

export function listText(items) {
  return items.join(", ");
}

export function timeOfDay(ms) {
  return new Date(ms).toLocaleTimeString(document.documentElement.lang || "nl", { hour: "2-digit", minute: "2-digit" });
}

/**
 * The table's number badge (its colour slot only decorates: the number says it). Without
 * `label` it is the bare number in front of "Tafel N", so screen readers skip it.
 */
export function tableBadge(ctx, number, { label = false } = {}) {
  const slot = tableSlot(ctx.state.numbers(), number);
  return h(
    "span",
    { class: "table-badge", dataset: { slot: String(slot) }, "aria-hidden": label ? null : "true" },
    label ? format(ctx.strings.table, { n: number }) : String(number),
  );
}

function tagList(ctx, entry) {
  const { bollen, horizons } = ctx.state.template;
  const tags = [];
  for (const b of bollen) if ((entry.bollen || []).includes(b.key)) tags.push(h("span", { class: "tag bol" }, b.label));
  for (const hz of horizons) {
    if ((entry.horizons || []).includes(hz.key)) tags.push(h("span", { class: "tag horizon" }, hz.label));
  }
  return h("span", { class: "tags" }, tags);
}

/** One entry as a list item: its number, text and tags; on the chair's page a hide/show toggle. */
/** The entry's horizons as the annex's symbols ("●▲"), their names for screen readers. */
function symbolList(ctx, entry) {
  const { horizons } = ctx.state.template;
  const symbols = horizonSymbols(horizons);
  const mine = horizons.filter((hz) => (entry.horizons || []).includes(hz.key));
  if (!mine.length) return null;
  return h(
    "span",
    { class: "symbols" },
    h("span", { "aria-hidden": "true" }, mine.map((hz) => symbols.get(hz.key)).join("")),
    h("span", { class: "visually-hidden" }, `(${listText(mine.map((hz) => hz.label))})`),
  );
}

export function entryItem(ctx, { entry, number }, { label = null, tags = false, symbols = false } = {}) {
  const s = ctx.strings;
  const hidden = Boolean(entry.hidden);
  const item = h(
    "li",
    { class: hidden ? "entry-item is-hidden" : "entry-item", dataset: { entry: entry.id } },
    h("span", { class: "num" }, hidden ? "–" : label || `${number}`),
    h(
      "span",
      { class: "body" },
      h("span", { class: "text" }, entry.text),
      tags ? [" ", tagList(ctx, entry)] : null,
      symbols ? [" ", symbolList(ctx, entry)] : null,
      hidden ? [" ", h("span", { class: "hidden-mark" }, s.hidden)] : null,
    ),
  );
  if (ctx.chair) {
    item.append(
      h(
        "button",
        {
          type: "button",
          class: "hide-toggle",
          dataset: { hideEntry: entry.id, hidden: hidden ? "false" : "true", focusKey: `hide-${entry.id}` },
          "aria-label": format(hidden ? s.showLabel : s.hideLabel, { text: entry.text }),
        },
        hidden ? s.show : s.hide,
      ),
    );
  }
  return item;
}
