// The fill-in template ("invuloefening") as overlapping circles, for 2 to 8 bollen.
//
// renderBollen(template, entries, options) → an <svg> element; nothing else is touched, so the
// chair's screen can draw every table with it. layoutBollen(...) (bollen-layout.js) is the
// same as plain data.
// Each entry sits in the region of exactly its bollen (its circle, or the overlap of its
// circles), as a line of text where there is room and as a numbered marker where there is
// not; its horizons show as symbols (●, ▲, ■ …, as in the annex) explained in a legend under the figure.
// Colour is never the only signal: every circle carries its name.

import { PALETTE, layoutBollen } from "./bollen-layout.js";
import { FILL_OPACITY } from "./palette.js";
import { SVG_NS, svg as el } from "./util.js";

const INK = "#1b1f24";
const MUTED = "#4a5360";
const FONT = '"DejaVu Sans", "Segoe UI", system-ui, sans-serif';

/**
 * The template with its entries as an <svg role="img">.
 * options: {title, description, idPrefix, fontSize, pendingLabel, horizonTitle, className}
 */
export function renderBollen(template, entries, options = {}) {
  const layout = layoutBollen(template, entries, options);
  const fs = layout.fontSize;
  const id = options.idPrefix || "bollen";
  const svg = el("svg", {
    xmlns: SVG_NS,
    viewBox: layout.viewBox.map((v) => v.toFixed(1)).join(" "),
    role: "img",
    "aria-labelledby": `${id}-title`,
    "aria-describedby": options.description ? `${id}-desc` : null,
    class: options.className || "bollen",
    "font-family": FONT,
    "font-size": fs,
  });
  svg.append(el("title", { id: `${id}-title` }, options.title || ""));
  if (options.description) svg.append(el("desc", { id: `${id}-desc` }, options.description));

  const circles = el("g", { class: "circles" });
  layout.circles.forEach((c, i) => {
    const color = PALETTE[i % PALETTE.length];
    circles.append(
      el("circle", {
        cx: c.cx.toFixed(1), cy: c.cy.toFixed(1), r: c.r,
        fill: color.fill, "fill-opacity": FILL_OPACITY, stroke: color.line, "stroke-width": 2,
      }),
    );
  });
  svg.append(circles);

  const labels = el("g", { class: "labels", "font-weight": "bold", "font-size": (fs * 1.1).toFixed(1) });
  for (const label of layout.labels) {
    labels.append(
      el("text", { x: label.x.toFixed(1), y: label.y.toFixed(1), "text-anchor": label.anchor, fill: label.color.ink }, label.text),
    );
  }
  svg.append(labels);

  const pendingLabel = options.pendingLabel || "";
  const items = el("g", { class: "entries" });
  for (const item of layout.placed) {
    const pending = Boolean(item.entry.pending);
    const full = `${item.number}. ${item.entry.text}${pending && pendingLabel ? ` (${pendingLabel})` : ""}`;
    const group = el("g", { class: pending ? "entry pending" : "entry", "data-id": item.entry.id });
    group.append(el("title", {}, full));
    if (item.mode === "text") {
      const small = (fs * 0.85).toFixed(1);
      for (const line of item.lines) {
        const text = el("text", {
          x: line.x.toFixed(1), y: (line.y + fs * 0.35).toFixed(1), "text-anchor": "middle",
          fill: pending ? MUTED : INK, "font-style": pending ? "italic" : null,
        });
        if (line.prefix) text.append(el("tspan", { fill: MUTED, "font-weight": "bold", "font-size": small }, line.prefix));
        text.append(document.createTextNode(line.text));
        if (line.suffix) text.append(el("tspan", { fill: MUTED, "font-weight": "bold", "font-size": small }, line.suffix));
        group.append(text);
      }
    } else {
      group.append(
        el("rect", {
          x: (item.x - item.width / 2).toFixed(1), y: (item.y - item.height / 2).toFixed(1),
          width: item.width.toFixed(1), height: item.height.toFixed(1), rx: (item.height / 2).toFixed(1),
          fill: "#ffffff", stroke: pending ? MUTED : INK, "stroke-width": 1.2,
          "stroke-dasharray": pending ? "3 2" : null,
        }),
      );
      group.append(
        el("text", {
          x: item.x.toFixed(1), y: (item.y + fs * 0.32).toFixed(1), "text-anchor": "middle",
          "font-size": (fs * 0.9).toFixed(1), "font-weight": "bold", fill: INK,
        }, `${item.number}${item.tags ? ` ${item.tags}` : ""}`),
      );
    }
    items.append(group);
  }
  svg.append(items);

  if (layout.legend.length) {
    const legend = el("text", {
      class: "legend", x: 0, y: layout.legendY.toFixed(1), "text-anchor": "middle",
      "font-size": (fs * 0.95).toFixed(1), fill: MUTED,
    });
    if (options.horizonTitle) legend.append(document.createTextNode(`${options.horizonTitle}: `));
    layout.legend.forEach((item, i) => {
      if (i) legend.append(document.createTextNode("  ·  "));
      legend.append(el("tspan", { "font-weight": "bold", fill: INK }, item.letter));
      legend.append(document.createTextNode(` ${item.label}`));
    });
    svg.append(legend);
  }
  return svg;
}
