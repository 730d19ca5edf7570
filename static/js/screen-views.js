// The screen's five views, drawn from the ScreenState into the server-rendered sections.
// Every function takes ctx = {state, meeting, strings, chair, topics, topicsAt} and touches
// only its own section. User text is always set as text, never as markup.

import { renderBollen } from "./bollen.js";
import { coverage, emptyEverywhere } from "./coverage.js";
import { renderMarkdown } from "./markdown.js";
import { entryLabel, renderCombinedDiagram, tableSlot } from "./screen-diagram.js";
import { wordCount } from "./screen-state.js";

const TYPING_MS = 20000; // a report changed this recently "wordt nu getypt"
const LATEST = 8; // as many as a tile has room for; the oldest fade out

/** "Tafel {n}" and friends: fill {placeholders}. */
export function fill(template, values = {}) {
  return String(template || "").replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
}

/** A DOM element: h("p", {class: "x", text: "…"}, child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "hidden") el.hidden = Boolean(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const $ = (id) => document.getElementById(id);

function listText(items) {
  return items.join(", ");
}

function timeOfDay(ms) {
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
    label ? fill(ctx.strings.table, { n: number }) : String(number),
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
export function entryItem(ctx, { entry, number }, { label = null, tags = false } = {}) {
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
          "aria-label": fill(hidden ? s.showLabel : s.hideLabel, { text: entry.text }),
        },
        hidden ? s.show : s.hide,
      ),
    );
  }
  return item;
}

// ------------------------------------------------------------------------------ overview

function presenceLine(ctx, number) {
  const s = ctx.strings;
  const people = ctx.state.presence.get(number) || [];
  if (!people.length) {
    return h("p", { class: "presence none" }, h("span", { class: "presence-icon", "aria-hidden": "true" }, "○"), s.presenceNone);
  }
  const rapporteurs = people.filter((p) => p.role === "rapporteur").length;
  const participants = people.filter((p) => p.role === "participant").length;
  const parts = [];
  if (rapporteurs) parts.push(s.presenceRapporteur);
  if (participants) parts.push(participants === 1 ? s.presenceParticipantOne : fill(s.presenceParticipants, { n: participants }));
  return h(
    "p",
    { class: "presence some" },
    h("span", { class: "presence-icon", "aria-hidden": "true" }, "●"),
    fill(s.presenceSome, { n: people.length }),
    parts.length ? h("span", { class: "presence-detail" }, ` · ${parts.join(", ")}`) : null,
  );
}

function reportLine(ctx, number) {
  const s = ctx.strings;
  const table = ctx.state.table(number);
  const words = wordCount(table.report);
  const at = ctx.state.reportAt.get(number);
  const typing = at && Date.now() - at < TYPING_MS;
  const line = h("p", { class: typing ? "report-line typing" : "report-line" });
  line.append(words ? fill(s.reportWords, { n: words }) : s.reportEmpty);
  if (typing) {
    line.append(" · ", h("span", { class: "typing-mark" }, h("span", { "aria-hidden": "true" }, "✎ "), s.reportTyping));
  } else if (at) {
    line.append(" · ", fill(s.reportUpdated, { time: timeOfDay(at) }));
  }
  return line;
}

function bolCounts(ctx, number) {
  const visible = ctx.state.entries(number);
  return h(
    "ul",
    { class: "bol-counts" },
    ctx.state.template.bollen.map((b) => {
      const n = visible.filter((e) => (e.bollen || []).includes(b.key)).length;
      return h("li", { class: n ? "bol-count" : "bol-count zero" }, h("span", { class: "bol-name" }, b.label), " ", h("strong", {}, String(n)));
    }),
  );
}

function tile(ctx, number) {
  const s = ctx.strings;
  const numbered = ctx.state.numbered(number, { hidden: ctx.chair });
  const visibleCount = numbered.filter((i) => i.number !== null).length;
  const latest = numbered.slice(-LATEST).reverse();
  const titleId = `tile-${number}-title`;
  return h(
    "section",
    { class: "tile", id: `tile-${number}`, "aria-labelledby": titleId, dataset: { table: String(number) } },
    h(
      "div",
      { class: "tile-head" },
      h("h3", { id: titleId, class: "tile-title" }, tableBadge(ctx, number), " ", fill(s.table, { n: number })),
      presenceLine(ctx, number),
    ),
    h("p", { class: "tile-count" }, visibleCount ? fill(s.entriesCount, { n: visibleCount }) : s.entriesNone),
    bolCounts(ctx, number),
    latest.length
      ? h("div", { class: "latest" }, h("h4", { class: "visually-hidden" }, s.latest), h("ul", { class: "entry-list latest-list" }, latest.map((item) => entryItem(ctx, item))))
      : h("p", { class: "latest empty" }, s.noEntries),
    reportLine(ctx, number),
  );
}

export function renderOverview(ctx) {
  const tiles = $("tiles");
  const numbers = ctx.state.numbers();
  tiles.dataset.count = String(numbers.length);
  tiles.replaceChildren(...numbers.map((n) => tile(ctx, n)));
}

// ------------------------------------------------------------------------------ combined

/** The entries the combined picture shows under the chair's filters, grouped per table. */
export function combinedGroups(state, filters = {}, { hidden = false } = {}) {
  const tables = filters.tables && filters.tables.length ? filters.tables : state.numbers();
  const horizons = filters.horizons && filters.horizons.length ? new Set(filters.horizons) : null;
  return state
    .numbers()
    .filter((n) => tables.includes(n))
    .map((n) => ({
      table: n,
      entries: state
        .numbered(n, { hidden })
        .filter(({ entry }) => !horizons || (entry.horizons || []).some((k) => horizons.has(k))),
    }));
}

function filtersText(ctx, filters) {
  const s = ctx.strings;
  const parts = [];
  parts.push(filters.tables && filters.tables.length ? fill(s.someTables, { list: listText(filters.tables) }) : s.allTables);
  if (filters.horizons && filters.horizons.length) {
    const labels = ctx.state.template.horizons.filter((hz) => filters.horizons.includes(hz.key)).map((hz) => hz.label);
    parts.push(fill(s.someHorizons, { list: listText(labels) }));
  } else {
    parts.push(s.allHorizons);
  }
  return parts.join(" · ");
}

export function renderCombined(ctx) {
  const s = ctx.strings;
  const filters = (ctx.meeting.view && ctx.meeting.view.filters) || {};
  $("combined-filters").textContent = filtersText(ctx, filters);
  const groups = combinedGroups(ctx.state, filters, { hidden: ctx.chair });
  const shown = groups.map((g) => ({ table: g.table, entries: g.entries.filter((i) => i.number !== null) }));
  const count = shown.reduce((sum, g) => sum + g.entries.length, 0);
  const svg = renderCombinedDiagram(ctx.state.template, shown, {
    numbers: ctx.state.numbers(),
    idPrefix: "combined-diagram-svg",
    title: s.combinedTitle,
    description: fill(s.combinedDesc, { count, tables: shown.filter((g) => g.entries.length).length }),
    horizonTitle: s.horizonTitle,
    entryTitle: s.entryTitle,
    className: "bollen",
    // a fuller picture gets smaller markers, so that they keep to their own overlap
    fontSize: count > 60 ? 9.5 : count > 30 ? 10.5 : 12.5,
  });
  $("combined-diagram").replaceChildren(svg);
  const list = $("combined-list");
  const sections = groups
    .filter((g) => g.entries.length)
    .map((g) =>
      h(
        "section",
        { class: "combined-table", "aria-labelledby": `combined-t${g.table}` },
        h("h3", { id: `combined-t${g.table}` }, tableBadge(ctx, g.table), " ", fill(s.table, { n: g.table })),
        h(
          "ol",
          { class: "entry-list" },
          g.entries.map((item) => entryItem(ctx, item, { label: item.number === null ? null : entryLabel(g.table, item.number) })),
        ),
      ),
    );
  list.replaceChildren(...(sections.length ? sections : [h("p", { class: "empty" }, s.nothingFiltered)]));
  list.dataset.count = String(count);
  list.dataset.size = count > 60 ? "l" : count > 40 ? "m" : "s";
}

// ------------------------------------------------------------------------------ topics

function tableChips(ctx, numbers) {
  return h(
    "span",
    { class: "topic-tables" },
    h("span", { class: "visually-hidden" }, `${ctx.strings.tables}: `),
    numbers.map((n) => tableBadge(ctx, n, { label: true })),
  );
}

export function renderTopics(ctx) {
  const s = ctx.strings;
  const across = $("topics-across");
  const within = $("topics-within");
  const note = $("topics-updated");
  if (!ctx.topics) {
    note.textContent = s.topicsLoading;
    return;
  }
  note.textContent = ctx.topicsAt ? fill(s.topicsUpdated, { time: timeOfDay(ctx.topicsAt) }) : "";
  // the template's own words (its bollen and horizons) come up everywhere and say nothing
  const { bollen, horizons } = ctx.state.template;
  const noise = new Set([...bollen, ...horizons].flatMap((x) => [x.label.toLowerCase(), x.key.toLowerCase()]));
  const useful = (t) => !noise.has(String(t.term).toLowerCase());
  const acrossItems = (ctx.topics.across || []).filter(useful).slice(0, 14);
  across.replaceChildren(
    ...(acrossItems.length
      ? acrossItems.map((t) =>
          h(
            "li",
            { class: "topic", dataset: { term: t.term, tables: t.tables.join(" ") } },
            h("span", { class: "term" }, t.term),
            tableChips(ctx, t.tables),
            h("span", { class: "count" }, fill(s.topicsTimes, { n: t.count })),
          ),
        )
      : [h("li", { class: "empty" }, s.topicsNone)]),
  );
  const withinItems = (ctx.topics.within || []).filter(useful).slice(0, 8);
  within.replaceChildren(
    ...(withinItems.length
      ? withinItems.map((t) =>
          h(
            "li",
            { class: "topic", dataset: { term: t.term, tables: String(t.table) } },
            h("span", { class: "term" }, t.term),
            tableChips(ctx, [t.table]),
            h("span", { class: "count" }, fill(s.topicsTimes, { n: t.count })),
          ),
        )
      : [h("li", { class: "empty" }, s.topicsWithinNone)]),
  );
}

// ------------------------------------------------------------------------------ coverage

function coverageCard(ctx, number, result) {
  const s = ctx.strings;
  const { bollen, horizons } = ctx.state.template;
  const table = h(
    "table",
    { class: "coverage-table" },
    h(
      "caption",
      {},
      tableBadge(ctx, number),
      " ",
      h("span", { class: "caption-title" }, fill(s.table, { n: number })),
      " ",
      h("span", { class: result.filled === result.total ? "score full" : "score" }, fill(s.coverageFilled, result)),
    ),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col", class: "corner" }, h("span", { class: "visually-hidden" }, s.coverageBol)), horizons.map((hz) => h("th", { scope: "col" }, hz.label))),
    ),
    h(
      "tbody",
      {},
      bollen.map((b) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, b.label),
          horizons.map((hz) => {
            const n = result.cells.get(`${b.key}|${hz.key}`) || 0;
            return n
              ? h("td", { class: "filled" }, String(n))
              : h("td", { class: "gap" }, h("span", { "aria-hidden": "true" }, "—"), h("span", { class: "visually-hidden" }, s.coverageGap));
          }),
        ),
      ),
    ),
  );
  return h(
    "div",
    { class: "coverage-card", dataset: { table: String(number), filled: String(result.filled), total: String(result.total) } },
    table,
    result.noHorizon ? h("p", { class: "no-horizon" }, fill(s.coverageNoHorizon, { n: result.noHorizon })) : null,
  );
}

export function renderCoverage(ctx) {
  const s = ctx.strings;
  const numbers = ctx.state.numbers();
  const results = numbers.map((n) => coverage(ctx.state.template, ctx.state.entries(n)));
  const grid = $("coverage-grid");
  grid.dataset.count = String(numbers.length);
  grid.replaceChildren(...numbers.map((n, i) => coverageCard(ctx, n, results[i])));
  const empty = emptyEverywhere(ctx.state.template, results);
  const summary = $("coverage-summary");
  summary.replaceChildren(
    empty.length
      ? h("span", {}, h("strong", {}, `${s.coverageEmptyEverywhere}: `), empty.map((c) => `${c.bol} × ${c.horizon}`).join(" · "))
      : s.coverageAllCovered,
  );
}

// ------------------------------------------------------------------------------ feedback

/** The report-back position of the current table: {order, at (1-based, 0 = not in order)}. */
export function feedbackPosition(state, meeting) {
  const order = state.feedbackOrder(meeting);
  const current = meeting.view ? meeting.view.current : null;
  return { order, current, at: order.indexOf(current) + 1 };
}

function peopleLine(ctx, info) {
  const s = ctx.strings;
  const parts = [];
  if (info.spokesperson) parts.push(h("span", { class: "person spokesperson" }, h("span", { class: "role" }, `${s.spokesperson}: `), h("strong", {}, info.spokesperson)));
  if (info.leader) parts.push(h("span", { class: "person" }, h("span", { class: "role" }, `${s.leader}: `), info.leader));
  if (info.rapporteur) parts.push(h("span", { class: "person" }, h("span", { class: "role" }, `${s.rapporteur}: `), info.rapporteur));
  return parts;
}

export function renderFeedback(ctx, previous = {}) {
  const s = ctx.strings;
  const { order, current, at } = feedbackPosition(ctx.state, ctx.meeting);
  const strip = $("feedback-order");
  strip.replaceChildren(
    ...order.map((n, i) => {
      const state = n === current ? "current" : at && i < at - 1 ? "done" : "todo";
      const chip = h("li", { class: `step ${state}`, dataset: { table: String(n) } }, tableBadge(ctx, n, { label: true }));
      if (state === "current") {
        chip.setAttribute("aria-current", "step");
      } else if (state === "done") {
        chip.append(h("span", { class: "visually-hidden" }, ` (${s.done})`));
      }
      return chip;
    }),
  );
  const skipped = ctx.state.skipped(ctx.meeting);
  $("feedback-skipped").textContent = skipped.length ? fill(s.feedbackSkipped, { list: listText(skipped.map((n) => fill(s.table, { n })))}) : "";

  const article = $("feedback-table");
  const table = current != null ? ctx.state.table(current) : null;
  article.dataset.table = table ? String(current) : "";
  if (!table) {
    $("feedback-table-title").textContent = s.feedbackNone;
    $("feedback-people").replaceChildren(ctx.chair ? s.feedbackChairHint : "");
    $("feedback-diagram").replaceChildren();
    $("feedback-entries").replaceChildren();
    $("feedback-report").replaceChildren();
    article.classList.add("empty");
    return null;
  }
  article.classList.remove("empty");
  const title = $("feedback-table-title");
  title.replaceChildren(
    tableBadge(ctx, current),
    " ",
    fill(s.table, { n: current }),
    at ? h("span", { class: "position" }, fill(s.feedbackPosition, { at, total: order.length })) : h("span", { class: "position" }, s.notInOrder),
  );
  $("feedback-people").replaceChildren(...peopleLine(ctx, table.info));
  const numbered = ctx.state.numbered(current, { hidden: ctx.chair });
  const visible = numbered.filter((i) => i.number !== null).map((i) => i.entry);
  const svg = renderBollen(ctx.state.template, visible, {
    idPrefix: `feedback-diagram-${current}`,
    title: fill(s.diagramTitle, { n: current }),
    description: fill(s.diagramDesc, { count: visible.length }),
    horizonTitle: s.horizonTitle,
    fontSize: 14,
    className: "bollen",
  });
  $("feedback-diagram").replaceChildren(svg);
  const entries = $("feedback-entries");
  entries.replaceChildren(...(numbered.length ? numbered.map((item) => entryItem(ctx, item)) : [h("li", { class: "empty" }, s.noEntries)]));
  const report = $("feedback-report");
  const text = table.report || "";
  report.replaceChildren(text.trim() ? renderMarkdown(text) : h("p", { class: "empty" }, s.reportNone));

  // say which table is on, once per change (not on every entry that arrives)
  if (previous.current !== current) {
    const announce = table.info.spokesperson ? s.feedbackAnnounceWith : s.feedbackAnnounce;
    $("feedback-announce").textContent = fill(announce, {
      n: current, at: at || "–", total: order.length, name: table.info.spokesperson || "",
    });
  }
  return current;
}

export const RENDERERS = {
  overview: renderOverview,
  combined: renderCombined,
  topics: renderTopics,
  coverage: renderCoverage,
  feedback: renderFeedback,
};
