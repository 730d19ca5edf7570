// The combined picture: every table's entries in one bollen diagram, told apart per table.
//
// A thin wrapper around bollen.js: renderBollen() draws the circles and places the entries;
// this module then labels each entry with its table — a dark badge with the table number in
// front of the entry's own number at that table ("3 | 2" for entry 2 of table 3), and "3.2"
// where the entry is written out — so that tables are told apart by number, not by colour.
// (The badge colours differ per table as well, but only as an extra.)

import { horizonSymbols, markerChars } from "./bollen-layout.js";
import { renderBollen } from "./bollen.js";
import { h as html, svg as svgEl } from "./util.js";

// dark enough for white text (contrast ≥ 4.5:1), distinct from the circles' colours
export const TABLE_COLORS = ["#1b1f24", "#0b4f8a", "#8a1c4a", "#1d6b34", "#5b3a99", "#8a4b00", "#00606b", "#5a5a10"];

/** The colour slot (0–7) of a table: its position among the meeting's table numbers. */
export function tableSlot(numbers, number) {
  const at = numbers.indexOf(number);
  return (at === -1 ? number : at) % TABLE_COLORS.length;
}

/** "3.2": entry 2 of table 3, as the lists and the diagram write it. */
export function entryLabel(table, number) {
  return `${table}.${number}`;
}

/**
 * Draw a diagram into its box with no text smaller than minPx on the screen: draw(fontSize)
 * gives the <svg>; the font grows until its smallest text, scaled to the box, is minPx (a
 * bigger font makes the viewBox grow too, so this takes a few rounds).
 */
export function fitDiagram(box, draw, { minPx = 24, fontSize = 14, legend = null } = {}) {
  let size = fontSize;
  let svg = null;
  for (let round = 0; round < 4; round++) {
    svg = draw(size);
    box.replaceChildren(...[svg, legend].filter(Boolean));
    const smallest = smallestText(svg);
    if (!smallest || smallest >= minPx) break;
    size *= (minPx / smallest) * 1.02;
  }
  return svg;
}

/** The horizons' key under a diagram, as text: "Horizon: ● Hier en nu · ▲ Later · ■ Elders". */
export function horizonLegend(template, title) {
  const symbols = horizonSymbols(template.horizons || []);
  const items = (template.horizons || []).map((hz, i) => [
    i ? " · " : "",
    html("span", { class: "symbol", "aria-hidden": "true" }, symbols.get(hz.key)),
    ` ${hz.label}`,
  ]);
  return items.length ? html("p", { class: "diagram-legend" }, `${title}: `, items.flat()) : null;
}

/** The smallest text of an <svg> as drawn on the screen, in px (0 when it is not on screen). */
export function smallestText(svg) {
  const ctm = svg.getScreenCTM();
  if (!ctm || !ctm.a) return 0;
  let min = Infinity;
  for (const t of svg.querySelectorAll("text, tspan")) {
    if (!t.textContent.trim()) continue;
    min = Math.min(min, Number.parseFloat(getComputedStyle(t).fontSize) * ctm.a);
  }
  return Number.isFinite(min) ? min : 0;
}

const num = (el, attr) => Number.parseFloat(el.getAttribute(attr) || "0");

/** The left part (width bw) of a pill of height h at (x, y): where the table badge goes. */
function badgePath(x, y, h, bw) {
  const r = h / 2;
  const cx = x + r;
  const cy = y + r;
  const edge = x + bw;
  if (bw >= r) {
    return `M${edge.toFixed(1)},${y.toFixed(1)} L${cx.toFixed(1)},${y.toFixed(1)} `
      + `A${r.toFixed(1)},${r.toFixed(1)} 0 0 0 ${cx.toFixed(1)},${(y + h).toFixed(1)} `
      + `L${edge.toFixed(1)},${(y + h).toFixed(1)} Z`;
  }
  const dy = Math.sqrt(Math.max(0, r * r - (cx - edge) ** 2));
  return `M${edge.toFixed(1)},${(cy - dy).toFixed(1)} `
    + `A${r.toFixed(1)},${r.toFixed(1)} 0 0 0 ${edge.toFixed(1)},${(cy + dy).toFixed(1)} Z`;
}
const RESERVE = 10; // two digits at least
const PLACEHOLDER = Object.freeze({ id: "", text: "", bollen: [], horizons: [] });

/**
 * One diagram of several tables' entries.
 * groups: [{table, entries: [{entry, number}]}] — `number` is the entry's number at its table.
 * options: as renderBollen (title, description, idPrefix, fontSize, horizonTitle, className)
 *   plus numbers (all table numbers, for the colours) and entryTitle ("Tafel {table}, {n}: {text}").
 */
export function renderCombinedDiagram(template, groups, options = {}) {
  const numbers = options.numbers || groups.map((g) => g.table);
  const owner = new Map();
  const flat = [];
  for (const group of groups) {
    for (const item of group.entries) {
      owner.set(item.entry.id, { table: group.table, number: item.number });
      flat.push(item.entry);
    }
  }
  // bollen.js numbers the entries by their place in the list and makes a marker as wide as
  // that number needs; the table badge needs a little more, so the entries are numbered from
  // RESERVE on (the placeholders before them have no bollen: they are not drawn). Wider
  // markers would crowd a busy overlap, where bollen.js lets them spill onto their neighbours.
  const padded = new Array(RESERVE - 1).fill(PLACEHOLDER).concat(flat);
  // write an entry out only when the whole text fits; otherwise a marker
  const svg = renderBollen(template, padded, { minChars: 10000, markerExtra: 1, ...options });
  const fs = Number.parseFloat(svg.getAttribute("font-size")) || options.fontSize || 13;
  for (const group of svg.querySelectorAll("g.entry[data-id]")) {
    const who = owner.get(group.dataset.id);
    if (!who) continue;
    const entry = flat.find((e) => e.id === group.dataset.id);
    group.setAttribute("data-table", String(who.table));
    const title = group.querySelector("title");
    if (title && options.entryTitle) {
      title.textContent = options.entryTitle
        .replace("{table}", String(who.table))
        .replace("{n}", String(who.number))
        .replace("{text}", entry ? entry.text : "");
    }
    const rect = group.querySelector("rect");
    const text = group.querySelector("text");
    if (!text) continue;
    const color = TABLE_COLORS[tableSlot(numbers, who.table)];
    if (!rect) {
      // written out: "3.2 Verdienvermogen L"
      const prefix = text.querySelector("tspan");
      if (prefix) {
        prefix.textContent = `${entryLabel(who.table, who.number)} `;
        prefix.setAttribute("fill", color);
      }
      continue;
    }
    // a marker: [3| 2 L] — table badge, then the entry's number and horizon letters
    let x = num(rect, "x");
    const y = num(rect, "y");
    let w = num(rect, "width");
    const h = num(rect, "height");
    const tags = (text.textContent || "").split(" ").slice(1).join(" ");
    const rest = `${who.number}${tags ? ` ${tags}` : ""}`;
    const size = num(text, "font-size") || fs * 0.9;
    const badge = String(who.table).length * size * 0.62 + 7;
    const needed = badge + markerChars(rest) * size * 0.6 + 8;
    // a long label ("10 ●▲") in a group of short ones: a wider pill, never a smaller font
    if (needed > w) {
      x -= (needed - w) / 2;
      w = needed;
      rect.setAttribute("x", x.toFixed(1));
      rect.setAttribute("width", w.toFixed(1));
    }
    const badgeWidth = Math.min(badge, w * 0.5);
    while (text.firstChild) text.firstChild.remove();
    text.textContent = rest;
    text.setAttribute("font-size", size.toFixed(1));
    text.setAttribute("x", (x + badgeWidth + (w - badgeWidth) / 2).toFixed(1));
    const badgeShape = svgEl("path", { d: badgePath(x, y, h, badgeWidth), fill: color, class: "table-badge" });
    const label = svgEl("text", {
      x: (x + badgeWidth / 2).toFixed(1), y: text.getAttribute("y"), "text-anchor": "middle",
      "font-size": size.toFixed(1), "font-weight": "bold", fill: "#ffffff",
    }, String(who.table));
    rect.after(badgeShape, label);
    rect.setAttribute("stroke", color);
    rect.setAttribute("stroke-width", "1.6");
  }
  return svg;
}
