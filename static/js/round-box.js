// The round a table works in, for the table pages of a meeting with [[rounds]]: "Ronde 2 van 3",
// its question, whether the chair closed it, and whether the entry form asks for bollen (a
// round whose template is "none" takes free entries). Drawn by the server
// (templates/capture/_questions.html, _entry_form.html); kept live from every meeting state.
//
// Use: renderRound(meeting) on the snapshot and on every `meeting` event;
//      roundField(meeting) gives what entry:add carries: {round: n}, or {} without rounds.

import { format } from "./util.js";

/** The round the tables are in ({number, question, template, …}), or null without [[rounds]]. */
export function currentRound(meeting) {
  const rounds = (meeting && meeting.rounds) || [];
  return rounds.find((r) => r.number === meeting.round) || null;
}

/** What an entry:add carries about its round: the one the device is in when it is typed. */
export function roundField(meeting) {
  const round = currentRound(meeting);
  return round ? { round: round.number } : {};
}

/** Whether the current round takes free entries (no bollen, no horizons). */
export function isFreeRound(meeting) {
  const round = currentRound(meeting);
  return Boolean(round && round.template === "none");
}

/** Draw the round box and set the entry form's mode; touches only what changed. */
export function renderRound(meeting, doc = document) {
  const round = currentRound(meeting);
  const box = doc.getElementById("round-box");
  if (box && round) {
    const strings = JSON.parse(box.dataset.strings || "{}");
    const parts = {};
    for (const el of box.querySelectorAll("[data-round-part]")) parts[el.dataset.roundPart] = el;
    const heading = format(strings.heading || "{n}/{total}", { n: round.number, total: meeting.rounds.length });
    if (parts.heading && parts.heading.textContent !== heading) parts.heading.textContent = heading;
    if (parts.question && parts.question.textContent !== round.question) parts.question.textContent = round.question;
    if (parts.closed) parts.closed.hidden = !round.closed_at;
    box.dataset.round = String(round.number);
  }
  const form = doc.getElementById("entry-form");
  if (form) {
    const free = isFreeRound(meeting);
    if (free !== ("free" in form.dataset)) form.toggleAttribute("data-free", free);
    const hint = doc.getElementById("entry-hint");
    if (hint && hint.dataset.free) hint.textContent = free ? hint.dataset.free : hint.dataset.bollen;
  }
}
