// A dot vote on a table page (participant's phone, rapporteur's laptop): the open votes this
// table takes part in (plenary, or this table's), each entry with − and + and the dots left.
// Every change sends the device's whole ballot as `vote:cast` through the live client's outbox,
// so it is kept offline and over a reload, sent once the connection is back, and the newest wins.
// Shown at once: a pending ballot is laid over the one the server last confirmed. A closed vote
// shows its ranking (the count stays hidden from the tables until then).
//
// Markup: #vote-card in templates/capture/_votes.html (strings in its data-strings).

import { format, h } from "./util.js";

/** The votes this table's devices may cast in: plenary ones and this table's, newest first. */
export function tableVotes(state) {
  return [...((state && state.votes) || new Map()).values()]
    .filter((v) => v.scope === "plenary" || v.table === state.number)
    .sort((a, b) => b.number - a.number);
}

/** This device's ballot in a vote: its newest pending one, else the one the server confirmed. */
export function ballotOf(live, number) {
  const pending = live.outbox.ops.filter((op) => op.event === "vote:cast" && op.payload.vote === number);
  if (pending.length) return { dots: { ...pending[pending.length - 1].payload.dots }, pending: true };
  return { dots: { ...((live.state.ballots || {})[String(number)] || {}) }, pending: false };
}

export function attachVoteCard(live) {
  const card = document.getElementById("vote-card");
  if (!card) return { render() {} };
  const s = JSON.parse(card.dataset.strings || "{}");
  let drawn = "";

  const acked = live.handlers.acked;
  live.handlers.acked = (op, ack) => {
    // the ack names the vote only (the server logs no dots): the ballot is what this device sent
    if (op.event === "vote:cast") live.state.ballots = { ...(live.state.ballots || {}), [String(op.payload.vote)]: op.payload.dots };
    if (acked) acked(op, ack);
  };

  card.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-dot]");
    if (!button || button.disabled) return;
    const number = Number(button.dataset.vote);
    const { dots } = ballotOf(live, number);
    const id = button.dataset.entry;
    dots[id] = Math.max(0, (dots[id] || 0) + (button.dataset.dot === "add" ? 1 : -1));
    if (!dots[id]) delete dots[id];
    live.send("vote:cast", { vote: number, dots });
  });

  function isOwn(item) {
    const entry = item.table === live.state.number ? live.state.entries.get(item.id) : null;
    return Boolean(entry && entry.author && entry.author === live.author);
  }

  function openVote(vote) {
    const { dots, pending } = ballotOf(live, vote.number);
    const used = Object.values(dots).reduce((a, b) => a + b, 0);
    const left = vote.dots - used;
    return h(
      "section",
      { class: "vote-open", "aria-labelledby": `vote-${vote.number}-title` },
      h("h2", { id: `vote-${vote.number}-title`, dir: "auto" }, vote.title || format(s.vote, { n: vote.number })),
      h("p", { class: "vote-left", role: "status" }, format(s.left, { n: left, total: vote.dots }), pending ? ` · ${s.pending}` : ""),
      vote.max_per_entry > 1 ? h("p", { class: "hint" }, format(s.most, { n: vote.max_per_entry })) : null,
      h(
        "ul",
        { class: "vote-items" },
        ...vote.items.map((item) => {
          const mine = dots[item.id] || 0;
          const own = !vote.allow_own && isOwn(item);
          const label = item.text.length > 60 ? `${item.text.slice(0, 57)}…` : item.text;
          return h(
            "li",
            { class: `vote-item${mine ? " has-dots" : ""}` },
            h("span", { class: "vote-text", dir: "auto" }, item.text),
            h("span", { class: "vote-origin" }, own ? s.own : format(s.table, { n: item.table })),
            h(
              "span",
              { class: "vote-buttons" },
              h("button", { type: "button", "data-dot": "remove", "data-vote": vote.number, "data-entry": item.id,
                "aria-label": format(s.remove, { text: label }), disabled: mine === 0 }, "−"),
              h("output", { class: "vote-mine", "aria-label": format(s.mine, { n: mine }) }, String(mine)),
              h("button", { type: "button", "data-dot": "add", "data-vote": vote.number, "data-entry": item.id,
                "aria-label": format(s.add, { text: label }), disabled: own || left <= 0 || mine >= vote.max_per_entry }, "+"),
            ),
          );
        }),
      ),
    );
  }

  function closedVote(vote) {
    const items = new Map(vote.items.map((item) => [item.id, item]));
    return h(
      "section",
      { class: "vote-closed", "aria-labelledby": `vote-${vote.number}-title` },
      h("h2", { id: `vote-${vote.number}-title`, dir: "auto" }, vote.title || format(s.vote, { n: vote.number })),
      h("p", { class: "hint" }, s.closed),
      h(
        "ol",
        { class: "vote-ranking" },
        ...(vote.results || []).map((r) =>
          h("li", {}, h("strong", {}, `${r.count} `), h("span", { dir: "auto" }, (items.get(r.id) || {}).text || "")),
        ),
      ),
    );
  }

  function render() {
    const votes = tableVotes(live.state);
    const open = votes.filter((v) => !v.closed_at);
    const shown = open.length ? open : votes.slice(0, 1);
    const signature = JSON.stringify([shown, shown.map((v) => ballotOf(live, v.number)), live.author, live.closed]);
    if (signature === drawn) return;
    drawn = signature;
    const focused = card.contains(document.activeElement) ? document.activeElement : null;
    const key = focused && focused.dataset.entry ? `[data-entry="${CSS.escape(focused.dataset.entry)}"][data-dot="${focused.dataset.dot}"]` : null;
    card.hidden = !shown.length;
    card.replaceChildren(...shown.map((v) => (v.closed_at ? closedVote(v) : openVote(v))));
    for (const button of card.querySelectorAll("button")) if (live.closed) button.disabled = true;
    if (key) card.querySelector(key)?.focus();
  }

  return { render };
}
