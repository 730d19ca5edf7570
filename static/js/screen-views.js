// The screen's views, drawn from the ScreenState into the server-rendered sections.
// Every function takes ctx = {state, meeting, strings, chair, topics, topicsAt} and touches
// only its own section. User text is always set as text, never as markup.

import { coverage, emptyEverywhere } from "./coverage.js";
import { renderFeedback } from "./screen-feedback.js";
import { renderGroups } from "./screen-groups.js";
import { entryLabel, fitDiagram, horizonLegend, renderCombinedDiagram } from "./screen-diagram.js";
import { $, entryItem, listText, tableBadge, timeOfDay } from "./screen-parts.js";
import { reportOf } from "./reducer.js";
import { shownRound, wordCount } from "./screen-state.js";
import { renderPriorities } from "./screen-votes.js";
import { format, h } from "./util.js";

const TYPING_MS = 20000; // a report changed this recently "wordt nu getypt"
const LATEST = 8; // as many as a tile has room for; the oldest fade out
const CROWDED = 24; // more entries than this in the combined picture: markers without symbols

/** The smallest text for the room: 1rem (24px at 1920×1080), in px. */
export function minTextPx() {
  return Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

// ------------------------------------------------------------------------------ overview

/** A count in words: "1 …" and "{n} …" are separate strings (English needs its plural), none: `zero`. */
function countText(n, one, many, zero = "") {
  if (!n) return zero;
  return n === 1 ? one : format(many, { n });
}

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
  if (participants) parts.push(participants === 1 ? s.presenceParticipantOne : format(s.presenceParticipants, { n: participants }));
  return h(
    "p",
    { class: "presence some" },
    h("span", { class: "presence-icon", "aria-hidden": "true" }, "●"),
    format(s.presenceSome, { n: people.length }),
    parts.length ? h("span", { class: "presence-detail" }, ` · ${parts.join(", ")}`) : null,
  );
}

/** "Klaar voor de terugkoppeling sinds 14:32" once the table said so (nothing before). */
function readyLine(ctx, number) {
  const since = ctx.state.table(number).ready;
  if (!since) return null;
  return h(
    "p",
    { class: "ready-line" },
    h("span", { class: "ready-icon", "aria-hidden": "true" }, "✓ "),
    format(ctx.strings.readySince, { time: timeOfDay(Date.parse(since)) }),
  );
}

function reportLine(ctx, number) {
  const s = ctx.strings;
  const table = ctx.state.table(number);
  // the report of the round on screen (every round: all of the table's reports together)
  const round = shownRound(ctx.meeting);
  const rounds = round === null ? (ctx.meeting.rounds || []).map((r) => r.number) : [round];
  const words = rounds.length ? rounds.reduce((sum, n) => sum + wordCount(reportOf(table, n)), 0) : wordCount(table.report);
  const at = ctx.state.reportAt.get(number);
  const typing = at && Date.now() - at < TYPING_MS;
  const line = h("p", { class: typing ? "report-line typing" : "report-line" });
  line.append(words ? format(s.reportWords, { n: words }) : s.reportEmpty);
  if (typing) {
    line.append(" · ", h("span", { class: "typing-mark" }, h("span", { "aria-hidden": "true" }, "✎ "), s.reportTyping));
  } else if (at) {
    line.append(" · ", format(s.reportUpdated, { time: timeOfDay(at) }));
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
      h("h3", { id: titleId, class: "tile-title" }, tableBadge(ctx, number), " ", format(s.table, { n: number })),
      presenceLine(ctx, number),
      readyLine(ctx, number),
    ),
    h("p", { class: "tile-count" }, countText(visibleCount, s.entriesCountOne, s.entriesCount, s.entriesNone)),
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
  parts.push(filters.tables && filters.tables.length ? format(s.someTables, { list: listText(filters.tables) }) : s.allTables);
  if (filters.horizons && filters.horizons.length) {
    const labels = ctx.state.template.horizons.filter((hz) => filters.horizons.includes(hz.key)).map((hz) => hz.label);
    parts.push(format(s.someHorizons, { list: listText(labels) }));
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
  // markers and names as big as the room needs (24px at 1920×1080); the list says the rest.
  // A full picture leaves the horizon symbols to the list, so that its markers stay apart.
  const crowded = count > CROWDED;
  const template = crowded ? { ...ctx.state.template, horizons: [] } : ctx.state.template;
  fitDiagram($("combined-diagram"), (fontSize) => renderCombinedDiagram(template, shown, {
    numbers: ctx.state.numbers(),
    idPrefix: "combined-diagram-svg",
    title: s.combinedTitle,
    description: format(s.combinedDesc, { count, tables: shown.filter((g) => g.entries.length).length }),
    horizonTitle: s.horizonTitle,
    entryTitle: s.entryTitle,
    className: "bollen",
    legend: false,
    fontSize,
  }), { minPx: minTextPx(), legend: horizonLegend(ctx.state.template, s.horizonTitle) });
  const list = $("combined-list");
  const sections = groups
    .filter((g) => g.entries.length)
    .map((g) =>
      h(
        "section",
        { class: "combined-table", "aria-labelledby": `combined-t${g.table}` },
        h("h3", { id: `combined-t${g.table}` }, tableBadge(ctx, g.table), " ", format(s.table, { n: g.table })),
        h(
          "ol",
          { class: "entry-list" },
          g.entries.map((item) => entryItem(ctx, item, { label: item.number === null ? null : entryLabel(g.table, item.number), symbols: true })),
        ),
      ),
    );
  list.replaceChildren(...(sections.length ? sections : [h("p", { class: "empty" }, s.nothingFiltered)]));
  list.dataset.count = String(count);
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
  note.textContent = ctx.topicsAt ? format(s.topicsUpdated, { time: timeOfDay(ctx.topicsAt) }) : "";
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
            h("span", { class: "count" }, format(s.topicsTimes, { n: t.count })),
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
            h("span", { class: "count" }, format(s.topicsTimes, { n: t.count })),
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
      h("span", { class: "caption-title" }, format(s.table, { n: number })),
      " ",
      h("span", { class: result.filled === result.total ? "score full" : "score" }, format(s.coverageFilled, result)),
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
    result.noHorizon
      ? h("p", { class: "no-horizon" }, countText(result.noHorizon, s.coverageNoHorizonOne, s.coverageNoHorizon))
      : null,
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

export const RENDERERS = {
  overview: renderOverview,
  combined: renderCombined,
  topics: renderTopics,
  coverage: renderCoverage,
  feedback: renderFeedback,
  groups: renderGroups,
  priorities: renderPriorities,
};
