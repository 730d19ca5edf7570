// The table of a table page as the server last told it (entries in order, people, phase,
// sequence), and as it will be once this browser's pending operations are applied.

import { applyEvent, replayNewer, roundReports, stateFromSnapshot, tableFromSnapshot } from "./reducer.js";
import { ATTENDANCE_FIELDS, SEATED_ROLES } from "./protocol.js";

/** The state of one table; events change it through the shared reducer. */
export class TableState {
  constructor(snapshot) {
    this.load(snapshot);
  }

  load(snapshot) {
    const state = stateFromSnapshot({ ...snapshot, tables: [] });
    this.meeting = state.meeting;
    this.seq = state.seq;
    this.meetingSeq = state.meetingSeq;
    this.number = snapshot.table;
    this.others = snapshot.others || []; // a round every table sees: the other tables' entries
    // only this table: keyed by the page's table number, which every event names
    const table = (snapshot.tables && snapshot.tables[0]) || {};
    this.tables = new Map([[this.number, tableFromSnapshot(table)]]);
    this.votes = state.votes; // the meeting's dot votes (vote-card.js)
    this.ballots = { ...(snapshot.ballots || {}) }; // this device's ballot per vote, as the server keeps it
    replayNewer(this, (name, data) => this.apply(name, data)); // what crossed the snapshot (reducer.js)
  }

  get table() {
    return this.tables.get(this.number);
  }

  get entries() {
    return this.table.entries;
  }

  get info() {
    return this.table.info;
  }

  get report() {
    return this.table.report;
  }

  get ready() {
    return this.table.ready;
  }

  get phase() {
    return this.meeting.phase;
  }

  /** Apply a server event (or an acknowledgement's result) for this table or the meeting. */
  apply(name, data) {
    return applyEvent(this, name, { table: this.number, ...data });
  }

  /** The snapshot form of this state (without the CRDT state), for the offline cache. */
  toSnapshot() {
    return {
      table: this.number,
      meeting: this.meeting,
      seq: this.seq,
      tables: [
        {
          ...this.info,
          report: this.report,
          round_reports: roundReports(this.table),
          ready: this.ready,
          entries: [...this.entries.values()],
        },
      ],
      votes: [...this.votes.values()],
      ballots: this.ballots,
    };
  }

  /**
   * Entries and people as they will be once the pending operations are applied; with the
   * refused ones (`failed`) marked, their text kept: a refused add as an entry of its own,
   * a refused update on the entry it was for (`failed: {op, message, text}`).
   */
  view(ops, failed = []) {
    const list = [...this.entries.values()].map((e) => ({ ...e }));
    const byId = new Map(list.map((e) => [e.id, e]));
    const pending = new Set();
    let info = { ...this.info };
    // ready: as the last pending table:ready says (true while the server has not said since when)
    let ready = this.ready;
    for (const op of ops) {
      const p = op.payload;
      if (op.event === "entry:add") {
        if (!byId.has(p.id)) {
          const e = { id: p.id, text: p.text, bollen: p.bollen, horizons: p.horizons || [] };
          list.push(e);
          byId.set(p.id, e);
        }
        pending.add(p.id);
      } else if (op.event === "entry:update") {
        const e = byId.get(p.id);
        if (e) {
          for (const field of ["text", "bollen", "horizons"]) if (field in p) e[field] = p[field];
          pending.add(p.id);
        }
      } else if (op.event === "entry:delete") {
        const e = byId.get(p.id);
        if (e) e.deleted = true;
      } else if (op.event === "entry:restore") {
        let e = byId.get(p.id);
        if (!e && op.meta && op.meta.entry) {
          e = { ...op.meta.entry };
          list.push(e);
          byId.set(p.id, e);
        }
        if (e) {
          e.deleted = false;
          pending.add(p.id);
        }
      } else if (op.event === "table:ready") {
        ready = p.ready ? ready || true : null;
      } else if (op.event === "table:update") {
        info = { ...info };
        for (const field of ATTENDANCE_FIELDS) {
          if (field in p) info[field] = p[field];
        }
        if ("participants" in p) {
          // who left the list no longer holds a role that needs a seat (rules.misplaced_roles)
          for (const role of SEATED_ROLES) {
            if (!(role in p) && info[role] && !p.participants.includes(info[role])) info[role] = null;
          }
        }
      }
    }
    const refused = new Map();
    for (const op of failed) {
      const p = op.payload;
      const note = { op: p.op, event: op.event, message: op.message, text: p.text, bollen: p.bollen, horizons: p.horizons };
      if (op.event === "entry:add" && !byId.has(p.id)) {
        const e = { id: p.id, text: p.text, bollen: p.bollen || [], horizons: p.horizons || [] };
        list.push(e);
        byId.set(p.id, e);
        refused.set(p.id, note);
      } else if (op.event === "entry:update" && byId.has(p.id)) {
        refused.set(p.id, note);
      }
    }
    const entries = list
      .filter((e) => !e.deleted)
      .map((e) => ({ ...e, pending: pending.has(e.id), ...(refused.has(e.id) ? { failed: refused.get(e.id) } : {}) }));
    return { entries, info, ready };
  }
}
