// The rapporteur's report per round: in a meeting held in rounds a table has a report of each
// round. One ReportEditor (report-editor.js) per round shares the "Verslag" textarea; the one of
// the round the table is in is shown, and follows the chair to the next round; the chooser
// "Verslag van" shows another round's report to read or correct. Each round's typing goes to the
// outbox as `report:update` with that round (round 1: none, the table's own report), so an
// update typed in round 2 still lands in round 2's report after the chair has moved on, also
// offline and after a reload (each round's document is kept in local storage on its own).
//
// When the chair opens another round while the rapporteur is typing (the field has the focus and
// was typed in within the last TYPING_MS), the report stays on the round being typed in and a
// notice offers the new round's report: it follows once the rapporteur leaves the field, stops
// typing for IDLE_MS, or presses the notice's button — never in mid-sentence.
//
// Use: new RoundReports({live, textarea, preview, token, snapshot, chooser, notice, strings});
// then resync(fresh, seen) on a snapshot, outOfSync(op, ack), merge(payload) on a `report`
// event, follow(meeting) on every change, setReadOnly(readOnly).

import { ReportEditor } from "./report-editor.js";
import { format, fromBase64 } from "./util.js";

const REPORT = "report:update";
const TYPING_MS = 10000; // typed this recently, with the focus in the field: still typing
const IDLE_MS = 20000; // a deferred switch happens after this long without typing
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
  constructor({ live, textarea, preview, token, snapshot, chooser = null, notice = null, strings = {} }) {
    this.live = live;
    this.chooser = chooser;
    this.textarea = textarea;
    this.notice = notice;
    this.strings = strings;
    this.typedAt = 0;
    this.idleTimer = null;
    textarea.addEventListener("input", () => {
      this.typedAt = Date.now();
      if (this.shown !== this.round) this.armIdle();
    });
    textarea.addEventListener("blur", (event) => {
      // leaving the field for the notice's own button: that button decides (and keeps the focus)
      if (!(notice && notice.contains(event.relatedTarget))) this.catchUp();
    });
    if (notice) notice.querySelector("button").addEventListener("click", () => this.catchUp(true));
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

  /** Show a round's report in the textarea (the notice goes: the choice is made). */
  show(round) {
    this.hideNotice();
    const editor = this.editors.get(round);
    if (!editor) return;
    if (round !== this.shown) {
      this.editors.get(this.shown).active = false;
      this.shown = round;
      editor.activate();
    }
    if (this.chooser && this.chooser.value !== String(round)) this.chooser.value = String(round);
  }

  /** The meeting's state changed: when the chair opened another round, show its report — after
   * the sentence, when the rapporteur is typing in the one shown. */
  follow(meeting) {
    const round = meeting && meeting.rounds && meeting.rounds.length > 1 ? meeting.round || 1 : 1;
    if (round === this.round) return;
    const was = this.round;
    this.round = round;
    if (this.typing() && this.shown === was) {
      this.showNotice();
      this.armIdle();
    } else {
      this.show(round);
    }
  }

  /** Whether the rapporteur is typing in the report now. */
  typing() {
    return document.activeElement === this.textarea && Date.now() - this.typedAt < TYPING_MS;
  }

  /** Go to the round the table is in, if a switch was held back (``now``: whatever the typing). */
  catchUp(now = false) {
    if (this.shown === this.round || !this.notice || this.notice.hidden) return;
    if (!now && this.typing() && document.activeElement === this.textarea) return;
    this.show(this.round);
    if (now) this.textarea.focus();
  }

  armIdle() {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (Date.now() - this.typedAt >= IDLE_MS) this.catchUp(true);
      else this.armIdle();
    }, IDLE_MS);
  }

  showNotice() {
    if (!this.notice) return this.show(this.round);
    this.notice.querySelector(".text").textContent = format(this.strings.roundOpened, {
      n: this.round,
      m: this.shown,
    });
    this.notice.querySelector("button").textContent = format(this.strings.roundGo, { n: this.round });
    this.notice.hidden = false;
  }

  hideNotice() {
    clearTimeout(this.idleTimer);
    if (this.notice) this.notice.hidden = true;
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
