// The minute-taker's page: follows the chair's report-back table (or a table chosen by hand),
// notes who reported back, shows the table's report, and co-edits each table's plenary feedback.
//
// Each table's feedback is a Yjs document (root "feedback") in the same editor as the report
// (report-editor.js), its updates sent through the same outbox and live client (live.js): what
// is typed offline is kept in this browser and sent after the reconnect; the server merges it.

import { LiveClient } from "./live.js";
import { renderMarkdown } from "./markdown.js";
import { registerServiceWorker } from "./offline-page.js";
import { applyEvent, replayNewer, reportOf, stateFromSnapshot } from "./reducer.js";
import { shownRound } from "./screen-state.js";
import { ReportEditor } from "./report-editor.js";
import { format, fromBase64, h, readJSON } from "./util.js";

const FEEDBACK = "feedback:update";
const SPOKESPERSON = "feedback:spokesperson";

const data = readJSON("page-data");
const strings = readJSON("minutes-strings");
const snapshot = data.snapshot;

/** Every table of the meeting as the server last told it (the shared reducer's state). */
class MinutesState {
  constructor(snap) {
    this.load(snap);
  }

  load(snap) {
    Object.assign(this, stateFromSnapshot(snap));
    this.number = null;
    replayNewer(this, (name, payload) => this.apply(name, payload)); // what crossed the snapshot (reducer.js)
  }

  get phase() {
    return this.meeting.phase;
  }

  /** An event, or an acknowledgement's result (a `table` result names its table in `info`). */
  apply(name, payload) {
    const named = payload && payload.table == null && payload.info ? { ...payload, table: payload.info.number } : payload;
    return applyEvent(this, name, named);
  }

  /** The snapshot form of this state, for the offline cache (the feedback lives in its editors). */
  toSnapshot() {
    const tables = [...this.tables.values()].map((t) => ({ ...t.info, report: t.report, entries: [] }));
    return { table: null, role: "minutes", meeting: this.meeting, seq: this.seq, tables };
  }
}

const editors = new Map();
const sections = [...document.querySelectorAll(".minutes-table")];
const followState = document.getElementById("follow-state");
const followButton = document.getElementById("follow-chair");
const pick = document.getElementById("table-pick");
let following = true;
let chosen = null;

const queued = (number) => live.outbox.ops.filter((op) => op.event === FEEDBACK && op.payload.table === number);
const oldestBase = (ops) => {
  const bases = ops.map((op) => op.payload.base).filter((b) => typeof b === "number");
  return bases.length ? Math.min(...bases) : undefined;
};

/** Replace a table's queued feedback updates by one update (what the server lacks). */
function requeue(number, update, base) {
  live.outbox.removeWhere((op) => op.event === FEEDBACK && op.payload.table === number);
  if (update) live.outbox.pushUpdate(FEEDBACK, { table: number }, update, base);
}

const live = new LiveClient({
  token: data.token,
  namespace: data.namespace,
  snapshot,
  strings,
  State: MinutesState,
  events: ["feedback"],
  closes: false, // the minutes are finished after the meeting: the close does not stop them
  handlers: {
    snapshot(fresh, seenBefore) {
      // the server's state replaces every queued update: what it lacks is sent as one update
      for (const table of fresh.tables || []) {
        const editor = editors.get(table.number);
        if (!editor) continue;
        const base = oldestBase(queued(table.number)) ?? seenBefore;
        requeue(table.number, editor.syncWithServer(table.feedback_state), base);
        renderTable(table.number);
      }
      render();
    },
    outOfSync(op, ack) {
      // an update that builds on one the server never got: send everything it lacks instead
      const number = op.payload.table;
      const editor = editors.get(number);
      const base = oldestBase([op, ...queued(number)]);
      if (editor) requeue(number, editor.missingFor(ack.state), base);
    },
    event(name, payload) {
      if (name === "feedback") {
        const editor = editors.get(payload.table);
        if (editor && payload.update) editor.mergeBytes(fromBase64(payload.update));
      } else if (name === "meeting") {
        render();
        for (const number of live.state.tables.keys()) renderTable(number); // the round on screen may have changed
      } else if (name === "report" || name === "table") {
        renderTable(payload.table);
      }
    },
    acked(op, ack) {
      if (op.event !== SPOKESPERSON) return;
      if (ack.info) renderTable(ack.info.number, true);
      spokespersonStatus(op.payload.table, op.payload.name ? strings.spokespersonSaved : strings.spokespersonCleared);
    },
    rejected(op, ack) {
      if (op.event === SPOKESPERSON) spokespersonStatus(op.payload.table, ack.message || "");
    },
    readonly(readOnly) {
      for (const editor of editors.values()) editor.setReadOnly(readOnly);
    },
  },
});

// ------------------------------------------------------------------ which table is shown

function chairTable() {
  const view = live.state.meeting.view || {};
  return typeof view.current === "number" && live.state.tables.has(view.current) ? view.current : null;
}

function firstTable() {
  const order = live.state.meeting.feedback_order || [];
  return order.find((n) => live.state.tables.has(n)) ?? (sections[0] ? Number(sections[0].dataset.table) : null);
}

function shownTable() {
  if (!following && live.state.tables.has(chosen)) return chosen;
  return chairTable() ?? firstTable();
}

function render() {
  const number = shownTable();
  const chair = chairTable();
  const before = sections.find((s) => !s.hidden);
  const hadFocus = before && before.contains(document.activeElement);
  for (const section of sections) section.hidden = Number(section.dataset.table) !== number;
  if (number != null) pick.value = String(number);
  let text;
  if (following) text = chair == null ? strings.followingNone : format(strings.following, { n: number });
  else text = chair == null ? format(strings.manualNoChair, { n: number }) : format(strings.manual, { n: number, chair });
  if (followState.textContent !== text) followState.textContent = text;
  followState.dataset.following = String(following);
  followButton.hidden = following;
  const now = sections.find((s) => !s.hidden);
  // the chair moved on while this person was typing: typing goes on in the new table's feedback
  if (hadFocus && now && now !== before) now.querySelector(".feedback-editor").focus();
}

pick.addEventListener("change", () => {
  following = false;
  chosen = Number(pick.value);
  render();
});
followButton.addEventListener("click", () => {
  following = true;
  render();
  pick.focus();
});

// ------------------------------------------------------------------ a table's people and report

function spokespersonStatus(number, text) {
  const status = document.getElementById(`spokesperson-status-${number}`);
  if (status) status.textContent = text;
}

/** The table's report and spokesperson as the server last told (the field only when not being edited). */
function renderTable(number, force = false) {
  const table = live.state.tables.get(number);
  if (!table) return;
  const report = document.getElementById(`report-${number}`);
  if (report) {
    // the report sits below an h3 ("Verslag van de tafel"): its "#" is an h4; in a meeting held in
    // rounds, of the round on screen (every round shown: the round the tables are in)
    const meeting = live.state.meeting;
    const text = reportOf(table, shownRound(meeting) || (meeting && meeting.round) || 1);
    const drawn = text ? renderMarkdown(text, document, { headingTag: 4 }) : null;
    report.replaceChildren(drawn || h("p", { class: "hint" }, strings.noReport));
  }
  const input = document.getElementById(`spokesperson-${number}`);
  const pending = live.outbox.ops.some((op) => op.event === SPOKESPERSON && op.payload.table === number);
  if (input && !pending && (force || document.activeElement !== input)) input.value = table.info.spokesperson || "";
  const list = document.getElementById(`participants-${number}`);
  if (list) list.replaceChildren(...table.info.participants.map((name) => h("option", { value: name })));
}

for (const form of document.querySelectorAll(".spokesperson-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const number = Number(form.dataset.table);
    const name = form.querySelector("input").value.trim();
    live.send(SPOKESPERSON, { table: number, name: name || null });
    spokespersonStatus(number, strings.spokespersonPending);
  });
}

// ------------------------------------------------------------------ the feedback editors

for (const table of snapshot.tables) {
  const textarea = document.getElementById(`feedback-${table.number}`);
  if (!textarea) continue;
  editors.set(
    table.number,
    new ReportEditor({
      textarea,
      preview: null,
      token: data.token,
      root: "feedback",
      storeAs: `feedback-${table.number}`,
      serverState: table.feedback_state,
      pending: queued(table.number).map((op) => fromBase64(op.payload.update)),
      onLocalUpdate: (update) => {
        live.outbox.pushUpdate(FEEDBACK, { table: table.number }, update, live.state.seq);
        live.changed();
        live.pump();
      },
    }),
  );
}

// another tab of this link was closed with changes not yet sent: they are this tab's now
live.outbox.onAdopt = (ops) => {
  for (const op of ops) {
    const editor = op.event === FEEDBACK ? editors.get(op.payload.table) : null;
    if (editor) editor.mergeBytes(fromBase64(op.payload.update));
  }
  live.changed();
  live.pump();
};

for (const table of snapshot.tables) renderTable(table.number);
render();
live.start();
registerServiceWorker(data.serviceWorker);
document.documentElement.dataset.ready = "1";
