// The table page's diagram: the circles with the entries (bollen.js), and under it a key that
// writes out every entry the figure could only show as a numbered marker ("7 E"), so an
// entry in a crowded overlap is readable with its text.

import { renderBollen } from "./bollen.js";
import { figureWidth, layoutBollen } from "./bollen-layout.js";
import { format, h } from "./util.js";

function fontSizeFor(container, template) {
  // text about 12 px on screen, whatever the width: a narrow phone gets bigger user units
  const width = container.clientWidth || 600;
  return Math.min(26, Math.max(9, (12.5 * (figureWidth(template.bollen.length) + 40)) / width));
}

/** The entries drawn as markers: [{number, tags, text, bollen}] in number order. */
export function markerEntries(template, entries, fontSize) {
  const layout = layoutBollen(template, entries, { fontSize });
  const labels = new Map(template.bollen.map((b) => [b.key, b.label]));
  return layout.placed
    .filter((item) => item.mode === "marker")
    .sort((a, b) => a.number - b.number)
    .map((item) => ({
      number: item.number,
      tags: item.tags,
      text: item.entry.text,
      bollen: (item.entry.bollen || []).map((k) => labels.get(k)).filter(Boolean),
    }));
}

/** Draw the diagram into its container, and the markers' key into `key` (when given). */
export function renderDiagram(container, template, entries, { strings, tableNumber, key = null }) {
  const fontSize = fontSizeFor(container, template);
  const svg = renderBollen(template, entries, {
    idPrefix: "diagram",
    fontSize,
    title: format(strings.diagramTitle, { n: tableNumber }),
    description: format(strings.diagramDesc, { count: entries.length, bollen: template.bollen.length }),
    pendingLabel: strings.pending,
    horizonTitle: strings.horizons,
  });
  container.replaceChildren(svg);
  if (!key) return;
  const markers = markerEntries(template, entries, fontSize);
  key.hidden = !markers.length;
  if (!markers.length) {
    key.replaceChildren();
    return;
  }
  key.replaceChildren(
    h("p", { class: "key-title" }, strings.markerKey),
    h(
      "ul",
      {},
      markers.map((m) =>
        h(
          "li",
          {},
          h("span", { class: "marker", "aria-hidden": "true" }, m.tags ? `${m.number} ${m.tags}` : String(m.number)),
          h("span", { class: "visually-hidden" }, `${m.number}: `),
          h("span", { class: "key-text" }, m.text),
          h("span", { class: "key-where" }, ` — ${m.bollen.join(" & ")}`),
        ),
      ),
    ),
  );
}
