// The screen's report-back view: the order, the current table's entries, diagram and report.

import { renderBollen } from "./bollen.js";
import { renderFeedbackRound } from "./feedback-rounds.js";
import { renderMarkdown } from "./markdown.js";
import { fitDiagram, horizonLegend } from "./screen-diagram.js";
import { reportOf } from "./reducer.js";
import { shownRound } from "./screen-state.js";
import { $, entryItem, listText, tableBadge } from "./screen-parts.js";
import { format, h } from "./util.js";

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

/**
 * The table's report as the screen shows it: of the round on screen (the chair's filter, else the
 * round the tables are in); with every round shown, each round's report under its question.
 * It sits below an h4 ("Verslag"): its "#" is an h5 (an h6 under a round's heading).
 */
function reportNodes(ctx, table) {
  const rounds = ctx.meeting.rounds || [];
  const round = shownRound(ctx.meeting);
  if (round !== null || rounds.length < 2) {
    const text = reportOf(table, round || 1);
    return text.trim() ? [renderMarkdown(text, document, { headingTag: 5 })] : [];
  }
  return rounds
    .filter((r) => reportOf(table, r.number).trim())
    .flatMap((r) => [
      h("h5", { class: "report-round" }, format(ctx.strings.reportRound, { n: r.number }), h("span", { class: "round-question" }, ` · ${r.question}`)),
      renderMarkdown(reportOf(table, r.number), document, { headingTag: 6 }),
    ]);
}

export function renderFeedback(ctx, previous = {}) {
  const s = ctx.strings;
  renderFeedbackRound(ctx); // a meeting in rounds: which round's entries the report-back shows
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
  $("feedback-skipped").textContent = skipped.length ? format(s.feedbackSkipped, { list: listText(skipped.map((n) => format(s.table, { n })))}) : "";

  const article = $("feedback-table");
  const table = current != null ? ctx.state.table(current) : null;
  article.dataset.table = table ? String(current) : "";
  if (!table) {
    $("feedback-table-title").textContent = s.feedbackNone;
    $("feedback-table-title").removeAttribute("aria-label");
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
    format(s.table, { n: current }),
    at ? h("span", { class: "position" }, format(s.feedbackPosition, { at, total: order.length })) : h("span", { class: "position" }, s.notInOrder),
  );
  // what a screen reader says: "Tafel 1, 4 van 5", not the number, title and position run together
  const position = at ? format(s.feedbackPosition, { at, total: order.length }) : s.notInOrder;
  title.setAttribute("aria-label", `${format(s.table, { n: current })}, ${position}`);
  $("feedback-people").replaceChildren(...peopleLine(ctx, table.info));
  const numbered = ctx.state.numbered(current, { hidden: ctx.chair });
  const visible = numbered.filter((i) => i.number !== null).map((i) => i.entry);
  // text as big as the room needs; an entry is written out whole (up to four lines) or numbered
  const minPx = Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  fitDiagram($("feedback-diagram"), (fontSize) => renderBollen(ctx.state.template, visible, {
    idPrefix: `feedback-diagram-${current}`,
    title: format(s.diagramTitle, { n: current }),
    description: format(s.diagramDesc, { count: visible.length }),
    horizonTitle: s.horizonTitle,
    fontSize,
    minChars: 10000,
    maxLines: 4,
    legend: false,
    className: "bollen",
  }), { minPx, legend: horizonLegend(ctx.state.template, s.horizonTitle) });
  const entries = $("feedback-entries");
  entries.replaceChildren(...(numbered.length ? numbered.map((item) => entryItem(ctx, item)) : [h("li", { class: "empty" }, s.noEntries)]));
  const drawn = reportNodes(ctx, table);
  $("feedback-report").replaceChildren(...(drawn.length ? drawn : [h("p", { class: "empty" }, s.reportNone)]));

  // say which table is on, once per change (not on every entry that arrives)
  if (previous.current !== current) {
    const announce = table.info.spokesperson ? s.feedbackAnnounceWith : s.feedbackAnnounce;
    $("feedback-announce").textContent = format(announce, {
      n: current, at: at || "–", total: order.length, name: table.info.spokesperson || "",
    });
  }
  return current;
}
