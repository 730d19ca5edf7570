// Where the bollen figure puts everything, as plain data: the overlapping circles of the
// template ("invuloefening", 2 to 8 bollen), their names, and every entry in the region of
// exactly its bollen (its circle, or the overlap of its circles) — as a line of text where
// there is room and as a numbered marker where there is not. bollen.js draws it as SVG.

import { CENTRES, MAX_BOLLEN, MIN_BOLLEN, SPREAD } from "./bollen-geometry.js";
import { BOL_COLORS, HORIZON_SYMBOLS } from "./palette.js";

const R = 150; // circle radius in user units; the viewBox scales the figure
// the one palette of the web, the screen and the annex (facilitator/palette.py)
export const PALETTE = BOL_COLORS.map((c) => ({ line: c.line, fill: c.line, ink: c.ink }));

const CHAR = 0.56; // average glyph width as a share of the font size

const geometryCache = new Map();

/** Circle centres and the sampled regions for n circles (cached per n). */
function geometry(n) {
  if (geometryCache.has(n)) return geometryCache.get(n);
  // the one arrangement of the web and the annex (facilitator/bollen_geometry.py): centres
  // SPREAD radii from the middle, the first circle top-left of the top, then clockwise
  const d = SPREAD[n] * R;
  const circles = CENTRES[n].map(([x, y]) => {
    const length = Math.hypot(x, y);
    return { cx: x * R, cy: y * R, r: R, dir: { x: x / length, y: y / length } };
  });
  const step = R / 16;
  const extent = d + R;
  const points = [];
  for (let y = -extent; y <= extent; y += step) {
    for (let x = -extent; x <= extent; x += step) {
      let mask = 0;
      let clearance = Infinity;
      for (let i = 0; i < n; i++) {
        const dist = Math.hypot(x - circles[i].cx, y - circles[i].cy);
        if (dist <= R) mask |= 1 << i;
        clearance = Math.min(clearance, Math.abs(dist - R));
      }
      if (mask) points.push({ x, y, mask, clearance });
    }
  }
  const geo = { n, d, circles, points, step, extent };
  geometryCache.set(n, geo);
  return geo;
}

/** The width of the circles of an n-bollen figure in user units (for choosing a font size). */
export function figureWidth(n) {
  const { circles } = geometry(Math.min(MAX_BOLLEN, Math.max(MIN_BOLLEN, n)));
  return Math.max(...circles.map((c) => c.cx)) - Math.min(...circles.map((c) => c.cx)) + 2 * R;
}

const popcount = (mask) => {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
};

function membership(geo, x, y) {
  let mask = 0;
  for (let i = 0; i < geo.n; i++) {
    if (Math.hypot(x - geo.circles[i].cx, y - geo.circles[i].cy) <= R) mask |= 1 << i;
  }
  return mask;
}

/** Where the entries of one combination of bollen can go: a test and the best anchor point. */
function region(geo, mask) {
  let inside = geo.points.filter((p) => p.mask === mask);
  let test = (m) => m === mask;
  if (!inside.length) {
    // no place with exactly these circles: take the overlap with the fewest other circles
    const around = geo.points.filter((p) => (p.mask & mask) === mask);
    const fewest = Math.min(...around.map((p) => popcount(p.mask)));
    inside = around.filter((p) => popcount(p.mask) === fewest);
    test = (m) => (m & mask) === mask && popcount(m) === fewest;
  }
  let anchor = inside[0];
  for (const p of inside) if (p.clearance > anchor.clearance) anchor = p;
  return { mask, inside, test, anchor };
}

/**
 * The symbol of every horizon (key → "●", "▲", "■" …), by its place in the template: the
 * same shapes as the annex draws (facilitator/palette.py), so that no colour is needed.
 */
export function horizonSymbols(horizons) {
  return new Map(horizons.map((h, i) => [h.key, HORIZON_SYMBOLS[i % HORIZON_SYMBOLS.length].char]));
}

/** The table pages' older name for horizonSymbols (they once were letters). */
export const horizonLetters = horizonSymbols;

/** A marker's text in average characters: the horizon symbols (●▲■) are wider than a digit. */
export function markerChars(text) {
  return [...text].reduce((sum, ch) => sum + (ch.charCodeAt(0) > 0x2000 ? 1.45 : 1), 0);
}

function textWidth(chars, size) {
  return chars * size * CHAR;
}

function truncate(text, chars) {
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1)).trimEnd()}…`;
}

/** The horizontal run of a region at height y around x: [left, right] or null. */
function runAt(geo, test, x, y, margin) {
  const inside = (px) =>
    test(membership(geo, px, y)) && test(membership(geo, px, y + margin)) && test(membership(geo, px, y - margin));
  if (!inside(x)) return null;
  const step = geo.step / 2;
  let left = x;
  while (left - step > -geo.extent && inside(left - step)) left -= step;
  let right = x;
  while (right + step < geo.extent && inside(right + step)) right += step;
  return [left, right];
}

/** Greedy word wrap of text into at most maxLines lines of the given capacities. */
function wrap(text, capacities) {
  const words = text.split(/\s+/).filter(Boolean);
  const lines = [];
  let current = "";
  while (words.length && lines.length < capacities.length) {
    const capacity = capacities[lines.length];
    const word = words[0];
    const candidate = current ? `${current} ${word}` : word;
    if (candidate.length <= capacity || !current) {
      // a word longer than a line stays whole (it is shortened with "…" when drawn)
      current = candidate;
      words.shift();
    } else {
      lines.push(current);
      current = "";
    }
  }
  if (current) lines.push(current);
  if (words.length) lines[lines.length - 1] = `${lines[lines.length - 1]} ${words.join(" ")}`;
  return lines;
}

/**
 * Text lines for the entries of one region, or null when they do not fit: each entry is
 * "N text TAGS" on one line (or two, for a few long entries); the block is moved up or
 * down from the anchor until every line lies inside the region.
 */
function placeText(geo, area, items, fontSize, lineHeight, minChars, maxLines = 2) {
  const { anchor } = area;
  const charWidth = fontSize * CHAR;
  const runs = new Map();
  const runAtY = (y) => {
    const key = Math.round(y * 10);
    if (!runs.has(key)) runs.set(key, runAt(geo, area.test, anchor.x, y, fontSize * 0.45));
    return runs.get(key);
  };
  const middle = runAtY(anchor.y);
  if (!middle) return null;
  const chars = Math.floor((middle[1] - middle[0] - 10) / charWidth);
  let fallback = null;
  // up to maxLines lines per entry for a few entries (two by default); one each for many
  const tries = Array.from({ length: items.length <= 3 ? maxLines : 1 }, (_, i) => i + 1);
  for (const count of tries) {
    const blocks = items.map((item) => {
      const prefix = `${item.number} `;
      const suffix = item.tags ? ` ${item.tags}` : "";
      const capacities = Array.from({ length: count }, (_, i) =>
        chars - (i === 0 ? prefix.length : 0) - (i === count - 1 ? suffix.length : 0));
      return { prefix, suffix, texts: wrap(item.entry.text, capacities) };
    });
    const total = blocks.reduce((sum, b) => sum + b.texts.length, 0);
    for (const offset of [0, 0.5, -0.5, 1, -1, 1.5, -1.5, 2, -2, 3, -3]) {
      const top = anchor.y + offset * lineHeight - ((total - 1) / 2) * lineHeight;
      let row = 0;
      const out = [];
      let ok = true;
      let cut = false;
      for (const block of blocks) {
        const lines = [];
        for (let i = 0; i < block.texts.length && ok; i++) {
          const y = top + row * lineHeight;
          row += 1;
          const run = runAtY(y);
          if (!run) {
            ok = false;
            break;
          }
          const prefix = i === 0 ? block.prefix : "";
          const suffix = i === block.texts.length - 1 ? block.suffix : "";
          const room = Math.floor((run[1] - run[0] - 10) / charWidth) - prefix.length - suffix.length;
          const text = block.texts[i];
          if (room < Math.min(minChars, text.length)) {
            ok = false;
            break;
          }
          cut = cut || text.length > room;
          lines.push({ x: (run[0] + run[1]) / 2, y, text: truncate(text, room), prefix, suffix });
        }
        if (!ok) break;
        out.push(lines);
      }
      if (ok && !cut) return out;
      if (ok) {
        // cut short ("Kloof stad e…"): only when the options allow cutting (minChars)
        if (minChars < 1000) fallback = fallback || out;
        break;
      }
    }
  }
  return fallback;
}

/** A label's estimated extent [left, right] (bold glyphs are wider than CHAR). */
function labelExtent(label, size) {
  const w = label.text.length * size * 0.7;
  if (label.anchor === "start") return [label.x, label.x + w];
  if (label.anchor === "end") return [label.x - w, label.x];
  return [label.x - w / 2, label.x + w / 2];
}

/**
 * Two names on one line (the lower circles of four bollen) that would run into each other:
 * each grows outward from the middle between them instead ("Regio & wonen | Leren & …").
 */
function separateLabels(labels, size) {
  const pad = size * 1.2;
  const rows = new Map();
  for (const label of labels) {
    if (label.anchor !== "middle") continue;
    const key = Math.round(label.y);
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push(label);
  }
  for (const row of rows.values()) {
    row.sort((a, b) => a.x - b.x);
    for (let i = 0; i + 1 < row.length; i++) {
      const [left, right] = [row[i], row[i + 1]];
      if (labelExtent(left, size)[1] + pad <= labelExtent(right, size)[0]) continue;
      const mid = (left.x + right.x) / 2;
      Object.assign(left, { anchor: "end", x: mid - pad / 2 });
      Object.assign(right, { anchor: "start", x: mid + pad / 2 });
    }
  }
}

/**
 * The figure as data: circles, labels, and per entry where and how it is drawn.
 * entries: [{id, text, bollen, horizons, pending?, number?}] in list order (numbered from 1
 * unless an entry brings its own number).
 */
export function layoutBollen(template, entries, options = {}) {
  const bollen = (template.bollen || []).slice(0, MAX_BOLLEN);
  const n = Math.max(MIN_BOLLEN, bollen.length);
  const geo = geometry(n);
  const fontSize = options.fontSize || 13;
  const lineHeight = fontSize * 1.35;
  const minChars = options.minChars || 10;
  const letters = horizonSymbols(template.horizons || []);
  const index = new Map(bollen.map((b, i) => [b.key, i]));

  const groups = new Map();
  entries.forEach((entry, i) => {
    let mask = 0;
    for (const key of entry.bollen || []) if (index.has(key)) mask |= 1 << index.get(key);
    if (!mask) return; // a bol no longer in the template: the list still shows the entry
    const tags = (entry.horizons || []).map((k) => letters.get(k)).filter(Boolean).join("");
    const item = { entry, number: entry.number || i + 1, tags };
    if (!groups.has(mask)) groups.set(mask, []);
    groups.get(mask).push(item);
  });

  const placed = [];
  for (const [mask, items] of groups) {
    const area = region(geo, mask);
    const { anchor } = area;
    // first try: the text itself (wrapped onto two lines where that helps), around the anchor
    const lines = placeText(geo, area, items, fontSize, lineHeight, minChars, options.maxLines);
    if (lines) {
      items.forEach((item, i) => placed.push({ ...item, mode: "text", lines: lines[i] }));
      continue;
    }
    // no room: numbered markers ("3 L"), closest to the anchor first
    const markerHeight = fontSize * 1.5;
    // markerExtra: room for what the caller adds to a marker (the screen's table badge)
    const widest = Math.max(...items.map((it) => markerChars(`${it.number}${it.tags ? ` ${it.tags}` : ""}`)))
      + (options.markerExtra || 0);
    const markerWidth = Math.max(markerHeight, textWidth(widest, fontSize * 0.9) + 10);
    const dx = markerWidth + 4;
    const dy = markerHeight + 4;
    const spots = [];
    for (let row = -8; row <= 8; row++) {
      for (let col = -8; col <= 8; col++) {
        const x = anchor.x + col * dx + (row % 2 ? dx / 2 : 0);
        const y = anchor.y + row * dy;
        const ok = [[0, 0], [-markerWidth / 2, 0], [markerWidth / 2, 0], [0, -markerHeight / 2], [0, markerHeight / 2]]
          .every(([ox, oy]) => area.test(membership(geo, x + ox, y + oy)));
        spots.push({ x, y, ok, dist: Math.hypot(col * dx, row * dy) });
      }
    }
    spots.sort((a, b) => (a.ok === b.ok ? a.dist - b.dist : a.ok ? -1 : 1));
    items.forEach((item, i) => {
      const spot = spots[i] || spots[spots.length - 1];
      placed.push({ ...item, mode: "marker", x: spot.x, y: spot.y, width: markerWidth, height: markerHeight });
    });
  }

  // names above the top circles and below the bottom ones, beside those at the sides
  const labelSize = fontSize * 1.1;
  const labels = bollen.map((bol, i) => {
    const c = geo.circles[i];
    const gap = fontSize * 0.7;
    const color = PALETTE[i % PALETTE.length];
    const vertical = n <= 3 || Math.abs(c.dir.y) > 0.7;
    if (vertical && (c.dir.y < 0 || n === 2)) {
      return { key: bol.key, text: bol.label, x: c.cx, y: c.cy - R - gap, anchor: "middle", color };
    }
    if (vertical) {
      return { key: bol.key, text: bol.label, x: c.cx, y: c.cy + R + gap + labelSize * 0.8, anchor: "middle", color };
    }
    const x = c.cx + c.dir.x * (R + gap);
    const y = c.cy + c.dir.y * (R + gap) + labelSize * 0.35;
    return { key: bol.key, text: bol.label, x, y, anchor: c.dir.x > 0 ? "start" : "end", color };
  });
  separateLabels(labels, labelSize);

  // the bounding box: circles, labels (estimated widths) and the legend line
  let minX = Math.min(...geo.circles.map((c) => c.cx - R));
  let maxX = Math.max(...geo.circles.map((c) => c.cx + R));
  let minY = Math.min(...geo.circles.map((c) => c.cy - R));
  let maxY = Math.max(...geo.circles.map((c) => c.cy + R));
  for (const label of labels) {
    const w = label.text.length * labelSize * 0.7; // bold glyphs are wider
    const left = label.anchor === "start" ? label.x : label.anchor === "end" ? label.x - w : label.x - w / 2;
    minX = Math.min(minX, left);
    maxX = Math.max(maxX, left + w);
    minY = Math.min(minY, label.y - labelSize);
    maxY = Math.max(maxY, label.y + 4);
  }
  // legend: false when the page writes the key itself (the screen, in HTML)
  const legend = options.legend === false ? []
    : (template.horizons || []).map((h) => ({ letter: letters.get(h.key), label: h.label }));
  let legendY = null;
  if (legend.length) {
    legendY = maxY + fontSize * 2;
    maxY = legendY + 6;
    const legendWidth = textWidth(
      legend.reduce((sum, l) => sum + l.letter.length + l.label.length + 6, 10),
      fontSize * 0.95,
    );
    minX = Math.min(minX, -legendWidth / 2);
    maxX = Math.max(maxX, legendWidth / 2);
  }
  const pad = 8;
  const viewBox = [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad];
  return { n, circles: geo.circles.slice(0, bollen.length), labels, placed, legend, legendY, viewBox, fontSize };
}
