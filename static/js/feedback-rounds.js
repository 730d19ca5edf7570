// The report-back round by round, in a meeting with [[rounds]]. The round it shows is the
// screen's round filter (`chair:view` filters.round: a round, 0 for every round, none for the
// round the tables are in), so every screen and chair device follows it, also one opened later.
// The chair's → / PageDown / clicker past the last table of a round goes on to the first table
// of the next round that was held; ← before the first table goes back to the last table of the
// round before; Home and End stay in the round. With "alle rondes" (0) and without rounds the
// steps go through the tables only, as before.
//
// Markup: #feedback-round in the report-back view of templates/screen/screen.html.

import { shownRound, stepTable } from "./screen-state.js";
import { format } from "./util.js";

/** The rounds the report-back can show: those opened so far, and the one the tables are in. */
export function heldRounds(meeting) {
  const now = meeting.round || 1;
  return (meeting.rounds || []).filter((r) => r.opened_at || r.number === now).map((r) => r.number);
}

/**
 * A step of the report-back ("next", "prev", "first", "last"): {current, round}, where round is
 * the round filter to set with it (undefined: the round stays).
 */
export function stepReportBack(meeting, order, kind) {
  const view = meeting.view || {};
  const current = stepTable(order, view.current, kind);
  const round = shownRound(meeting);
  if (round === null || view.mode !== "feedback" || !order.length) return { current };
  const at = order.indexOf(view.current);
  const held = heldRounds(meeting);
  if (kind === "next" && at === order.length - 1) {
    const later = held.find((n) => n > round);
    if (later) return { current: order[0], round: later };
  } else if (kind === "prev" && at === 0) {
    const earlier = held.filter((n) => n < round).pop();
    if (earlier) return { current: order[order.length - 1], round: earlier };
  }
  return { current };
}

/** Whether the chair's "next"/"prev" goes anywhere (off only at the very start and end). */
export function canStep(meeting, order, kind) {
  const view = meeting.view || {};
  if (!order.length) return false;
  if (view.mode !== "feedback") return true;
  const to = stepReportBack(meeting, order, kind);
  return to.current !== view.current || to.round !== undefined;
}

/** The round line of the report-back view: "Ronde 2 van 3: <question>", or "Alle rondes". */
export function feedbackRoundText(meeting, strings) {
  const rounds = meeting.rounds || [];
  if (!rounds.length) return "";
  const round = rounds.find((r) => r.number === shownRound(meeting));
  if (!round) return strings.feedbackAllRounds;
  return `${format(strings.feedbackRound, { n: round.number, total: rounds.length })}: ${round.question}`;
}

export function renderFeedbackRound(ctx) {
  const el = document.getElementById("feedback-round");
  if (!el) return;
  const text = feedbackRoundText(ctx.meeting, ctx.strings);
  el.hidden = !text;
  if (el.textContent !== text) el.textContent = text;
}
