// Priorities on the screen: the chair's dot votes. While a vote is open the screen says so (a
// banner on every view, and the "Prioriteiten" view) and shows no count — the chair's page may
// be the one on the wall; once it is closed the view shows its entries ranked, with their dots
// and table, large enough to read at the back of the room, ties as ties.
//
// Markup: #view-priorities and #vote-banner in templates/screen/screen.html (strings in the
// board's data-strings). The votes are the reducer's state.votes (`vote` events).

import { format, h } from "./util.js";

function strings() {
  const board = document.getElementById("priorities-board");
  return JSON.parse((board && board.dataset.strings) || "{}");
}

/** A vote's heading: "Stemming 2 (plenair): title". */
export function voteHeading(vote, s) {
  const where = vote.scope === "plenary" ? s.plenary : format(s.table, { n: vote.table }).toLowerCase();
  const head = `${format(s.vote, { n: vote.number })} (${where})`;
  return vote.title ? `${head}: ${vote.title}` : head;
}

/** "1 stem uitgebracht", "4 stemmen uitgebracht". */
export function ballotsText(vote, s) {
  return format(vote.ballots === 1 ? s.ballots_one : s.ballots, { n: vote.ballots || 0 });
}

/** The votes newest first. */
export function newestFirst(state) {
  return [...((state && state.votes) || new Map()).values()].sort((a, b) => b.number - a.number);
}

function results(vote, s) {
  const items = new Map(vote.items.map((item) => [item.id, item]));
  const shared = new Map();
  for (const r of vote.results || []) shared.set(r.rank, (shared.get(r.rank) || 0) + 1);
  return h(
    "ol",
    { class: "vote-ranking" },
    ...(vote.results || []).map((r) => {
      const item = items.get(r.id) || { text: "", table: "" };
      const rank = shared.get(r.rank) > 1 ? `${r.rank} (${s.tie})` : String(r.rank);
      return h(
        "li",
        { class: "vote-row" },
        h("span", { class: "vote-rank" }, rank),
        h("span", { class: "vote-text", dir: "auto" }, item.text),
        h("span", { class: "vote-table" }, format(s.table, { n: item.table })),
        h("strong", { class: "vote-count" }, format(r.count === 1 ? s.count_one : s.count_many, { n: r.count })),
      );
    }),
  );
}

/** The "Prioriteiten" view: the newest vote large (open: that it runs; closed: its ranking), older ones below. */
export function renderPriorities(ctx) {
  const s = strings();
  const board = document.getElementById("priorities-board");
  const votes = newestFirst(ctx.state);
  if (!votes.length) {
    board.replaceChildren(h("p", { class: "view-note" }, s.none));
    return;
  }
  board.replaceChildren(
    ...votes.map((vote, i) =>
      h(
        "section",
        { class: `vote-card ${vote.closed_at ? "is-closed" : "is-open"}${i === 0 ? " is-newest" : ""}` },
        h("h3", { class: "vote-heading", dir: "auto" }, voteHeading(vote, s)),
        vote.closed_at
          ? h("p", { class: "vote-note" }, ballotsText(vote, s))
          : h("p", { class: "vote-running" }, `${s.running} ${format(s.dots, { n: vote.dots })}`),
        vote.closed_at ? results(vote, s) : null,
      ),
    ),
  );
}

/** On every view: "Stemming loopt" while a vote is open (a hook of the screen's render). */
export function renderVoteBanner(ctx) {
  const banner = document.getElementById("vote-banner");
  if (!banner) return;
  const open = newestFirst(ctx.state).filter((v) => !v.closed_at);
  const text = open.length ? `${banner.dataset.text}: ${open.map((v) => voteHeading(v, strings())).join(" · ")}` : "";
  banner.hidden = !open.length || ctx.meeting.view?.mode === "priorities";
  if (banner.textContent !== text) banner.textContent = text;
}
