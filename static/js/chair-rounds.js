// The chair's rounds (a meeting with [[rounds]]): each round with its question and whether it
// is yet to come, open, or closed; "Openen" makes it the round the tables work in (the open
// one closes, the timer starts with the round's minutes), "Sluiten" closes the open one.
//
// Markup: the #round-control section of templates/screen/_chair_panel.html (only drawn when
// the meeting has rounds). Sent as `chair:round` through the chair's controls (chair.js),
// shown at once and kept by the server.

import { format, h } from "./util.js";

/** A round's state for the chair: "open", "closed" or "waiting" (not opened yet). */
export function roundStatus(round, current) {
  if (round.opened_at && !round.closed_at) return "open";
  if (round.closed_at) return "closed";
  return round.number === current ? "current" : "waiting";
}

export function attachRounds(controls) {
  const list = document.getElementById("round-list");
  if (!list) return null;
  const strings = JSON.parse(list.dataset.strings || "{}");
  let drawn = "";

  function send(action, number) {
    const overlay = action === "open" ? { round: number, phase: "round" } : null;
    controls.send("chair:round", { action, round: number }, overlay);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-round-action]");
    if (button) send(button.dataset.roundAction, Number(button.dataset.round));
  });

  function render() {
    const meeting = controls.app.meeting();
    const rounds = meeting.rounds || [];
    const signature = JSON.stringify([meeting.round, rounds]);
    if (signature === drawn) return;
    drawn = signature;
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    list.replaceChildren(
      ...rounds.map((round) => {
        const status = roundStatus(round, meeting.round);
        const isCurrent = round.number === meeting.round;
        const open = status === "open";
        const button = h(
          "button",
          {
            type: "button",
            "data-round-action": open ? "close" : "open",
            "data-round": String(round.number),
            "data-focus-key": `round-${round.number}`,
          },
          open ? strings.close : status === "closed" ? strings.reopen : strings.open,
        );
        return h(
          "li",
          { class: `round-item is-${status}${isCurrent ? " is-current" : ""}`, "aria-current": isCurrent ? "step" : null },
          h("span", { class: "round-name" }, format(strings.name, { n: round.number })),
          h("span", { class: "round-state" }, strings[status === "open" ? "open_state" : status] || ""),
          h("span", { class: "round-q" }, round.question),
          button,
        );
      }),
    );
    if (focused) list.querySelector(`[data-focus-key="${focused}"]`)?.focus();
  }

  controls.app.hooks.push(render);
  render();
  return { render };
}
