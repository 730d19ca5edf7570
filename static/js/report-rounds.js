// The rapporteur's report per round: in a meeting held in rounds a table has a report of each
// round. One ReportEditor (report-editor.js) per round shares the "Verslag" textarea; the one of
// the round the table is in is shown, and follows the chair to the next round; the chooser
// "Verslag van" shows another round's report to read or correct. Each round's typing goes to the
// outbox as `report:update` with that round (round 1: none, the table's own report), so an
// update typed in round 2 still lands in round 2's report after the chair has moved on, also
// offline and after a reload (each round's document is kept in local storage on its own).
//
// Use: new RoundReports({live, textarea, preview, token, snapshot, chooser}); then resync(fresh,
// seen) on a snapshot, outOfSync(op, ack), merge(payload) on a `report` event, follow(meeting)
// on every change, setReadOnly(readOnly).

import { ReportEditor } from "./report-editor.js";
import { fromBase64 } from "./util.js";

const REPORT = "report:update";
const roundOf = (op) => (op.payload.round > 1 ? op.payload.round : 1);

/** The server's CRDT state of a round's report in a snapshot's table (base64; none yet: undefined). */
function stateOf(table, round) {
  if (round === 1) return table.report_state;
  const found = (table.round_reports || []).find((r) => r.round === round);
  return found ? found.state : undefined;
}

function oldestBase(ops, fallback) {
  const bases = ops.map((op) => op.payload.base).filter((b) => typeof b === "number");
  return bases.length ? Math.min(...bases) : fallback;
}

export class RoundReports {
  constructor({ live, textarea, preview, token, snapshot, chooser = null }) {
    this.live = live;
    this.chooser = chooser;
    const meeting = snapshot.meeting || {};
    const count = Math.max(1, (meeting.rounds || []).length);
    this.round = count > 1 ? meeting.round || 1 : 1; // the round the table is in
    this.shown = this.round;
    const table = (snapshot.tables && snapshot.tables[0]) || {};
    this.editors = new Map();
    for (let round = 1; round <= count; round++) {
      const editor = new ReportEditor({
        textarea,
        preview,
        token,
        storeAs: round > 1 ? `report-${round}` : "report",
        serverState: stateOf(table, round),
        pending: this.queued(round).map((op) => fromBase64(op.payload.update)),
        onLocalUpdate: (update) => live.sendReport(update, round),
        active: round === this.shown,
      });
      this.editors.set(round, editor);
    }
    if (chooser) {
      chooser.value = String(this.shown);
      chooser.addEventListener("change", () => this.show(Number(chooser.value)));
    }
  }

  /** The report updates of a round still in the outbox. */
  queued(round) {
    return this.live.outbox.ops.filter((op) => op.event === REPORT && roundOf(op) === round);
  }

  /** The editor of a round (none given, or 1: the table's own report). */
  editor(round) {
    return this.editors.get(round > 1 ? round : 1);
  }

  /** Show a round's report in the textarea. */
  show(round) {
    const editor = this.editors.get(round);
    if (!editor) return;
    if (round !== this.shown) {
      this.editors.get(this.shown).active = false;
      this.shown = round;
      editor.activate();
    }
    if (this.chooser && this.chooser.value !== String(round)) this.chooser.value = String(round);
  }

  /** The meeting's state changed: when the chair opened another round, show its report. */
  follow(meeting) {
    const round = meeting && meeting.rounds && meeting.rounds.length > 1 ? meeting.round || 1 : 1;
    if (round === this.round) return;
    this.round = round;
    this.show(round);
  }

  /**
   * A snapshot after (re)connecting: per round, the server's state replaces every update of that
   * round still queued; what it lacks is sent as one update with the oldest base of what it
   * replaces (typing done offline before a close still counts).
   */
  resync(fresh, seenBefore) {
    const table = (fresh.tables && fresh.tables[0]) || {};
    for (const [round, editor] of this.editors) {
      const base = oldestBase(this.queued(round), seenBefore);
      this.live.outbox.removeWhere((op) => op.event === REPORT && roundOf(op) === round);
      const state = stateOf(table, round);
      // a round the server has no report of yet gets the whole document, if anything was typed
      const missing = state ? editor.syncWithServer(state) : editor.everything();
      if (missing) this.live.outbox.pushReport(missing, base, round);
    }
  }

  /** A report update the server cannot merge (it lacks what it builds on): send the whole
   * difference of that round, with the oldest base of what it replaces. */
  outOfSync(op, ack) {
    const round = roundOf(op);
    const base = oldestBase([op, ...this.queued(round)], undefined);
    this.live.outbox.removeWhere((o) => o.event === REPORT && roundOf(o) === round);
    this.live.outbox.pushReport(this.editor(round).missingFor(ack.state), base, round);
  }

  /** A `report` event (or an adopted op's payload): merge the update into its round's document. */
  merge(payload) {
    const editor = this.editor(payload.round);
    if (editor && payload.update) editor.mergeBytes(fromBase64(payload.update));
  }

  setReadOnly(readOnly) {
    for (const editor of this.editors.values()) editor.setReadOnly(readOnly);
  }
}
