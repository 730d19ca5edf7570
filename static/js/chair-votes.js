// The chair's dot votes (priorities): pick the shortlist (entries of any tables, ticked here) or
// one table's entries, the dots per device and the rules, and open the vote; close it when the
// room is done. Only here, in the chair's panel, the count shows while a vote is open (the
// screen's view does not show it: the chair's page may be the one on the wall).
//
// Markup: the #vote-control section of templates/screen/_chair_panel.html. Sent as
// `chair:vote` through the chair's controls (chair.js); the votes come back as `vote` and
// `vote:tally` events (reducer.js).

import { ballotsText, newestFirst, voteHeading } from "./screen-votes.js";
import { format, h } from "./util.js";

export function attachVotes(controls) {
  const list = document.getElementById("vote-list");
  const form = document.getElementById("vote-form");
  if (!list || !form) return null;
  const s = JSON.parse(list.dataset.strings || "{}");
  const $ = (id) => document.getElementById(id);
  const chosen = new Set();
  let drawnEntries = "";
  let drawnVotes = "";

  $("vote-entries").addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") return;
    if (box.checked) chosen.add(box.value);
    else chosen.delete(box.value);
  });
  $("vote-scope").addEventListener("change", () => {
    $("vote-shortlist").hidden = $("vote-scope").value !== "plenary";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const scope = $("vote-scope").value;
    const dots = Number($("vote-dots").value) || 1;
    const payload = {
      action: "open",
      title: $("vote-title").value.trim(),
      dots,
      max_per_entry: Math.min(dots, Number($("vote-most").value) || 1),
      allow_own: !$("vote-own").checked,
    };
    if (scope === "plenary") {
      if (!chosen.size) {
        controls.message(s.pick);
        return;
      }
      Object.assign(payload, { scope, entries: [...chosen] });
    } else {
      Object.assign(payload, { scope: "table", table: Number(scope.slice("table-".length)) });
    }
    if (controls.send("chair:vote", payload)) {
      chosen.clear();
      drawnEntries = "";
      $("vote-title").value = "";
    }
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-vote-close]");
    if (button) controls.send("chair:vote", { action: "close", vote: Number(button.dataset.voteClose) });
  });

  function renderEntries(state) {
    const tables = state.numbers().map((n) => [n, state.entries(n)]).filter(([, entries]) => entries.length);
    const signature = JSON.stringify(tables.map(([n, entries]) => [n, entries.map((e) => [e.id, e.text])]));
    if (signature === drawnEntries) return;
    drawnEntries = signature;
    $("vote-entries").replaceChildren(
      ...tables.map(([n, entries]) =>
        h(
          "fieldset",
          { class: "vote-table-entries" },
          h("legend", {}, format(s.table, { n })),
          ...entries.map((e) =>
            h(
              "label",
              { class: "vote-pick" },
              h("input", { type: "checkbox", value: e.id, checked: chosen.has(e.id) }),
              h("span", { dir: "auto" }, e.text),
            ),
          ),
        ),
      ),
    );
  }

  function renderVotes(state) {
    const votes = newestFirst(state);
    const signature = JSON.stringify(votes);
    if (signature === drawnVotes) return;
    drawnVotes = signature;
    list.replaceChildren(
      ...votes.map((vote) => {
        const items = new Map(vote.items.map((item) => [item.id, item]));
        const open = !vote.closed_at;
        return h(
          "li",
          { class: `vote-item ${open ? "is-open" : "is-closed"}` },
          h("span", { class: "vote-name", dir: "auto" }, voteHeading(vote, s)),
          h("span", { class: "vote-state" }, `${open ? s.open_state : s.closed} · ${ballotsText(vote, s)}`),
          h(
            "ol",
            { class: "vote-tally" },
            ...(vote.results || []).map((r) =>
              h("li", {}, h("strong", {}, String(r.count)), " ", h("span", { dir: "auto" }, (items.get(r.id) || {}).text || "")),
            ),
          ),
          open
            ? h("button", { type: "button", "data-vote-close": String(vote.number), "data-focus-key": `vote-close-${vote.number}` }, s.close)
            : null,
        );
      }),
    );
  }

  function render() {
    renderEntries(controls.app.state);
    renderVotes(controls.app.state);
  }

  controls.app.hooks.push(render);
  render();
  return { render };
}
