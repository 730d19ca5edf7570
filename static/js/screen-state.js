// What the screen knows: every table of the meeting from the snapshot, kept current by the
// live events through the reducer the table pages use too (reducer.js).

import { applyEvent, applyMeeting, replayNewer, stateFromSnapshot } from "./reducer.js";

/** Every table of one meeting, as the screen and the chair see it. */
export class ScreenState {
  constructor(snapshot, presence = {}) {
    this.presence = new Map();
    this.presenceAt = new Map();
    this.reportAt = new Map(); // table → when its report last changed (this browser's clock)
    this.entryAt = new Map(); // table → when an entry last arrived
    this.load(snapshot);
    this.setPresence(presence);
  }

  load(snapshot) {
    Object.assign(this, stateFromSnapshot(snapshot)); // meeting, seq, meetingSeq, tables
    this.template = this.meeting.template || { bollen: [], horizons: [] };
    this.serverTime = snapshot.server_time || null;
    replayNewer(this, (name, data) => this.apply(name, data)); // what crossed the snapshot (reducer.js)
  }

  /** Presence as fetched: {"3": [{id, role, name}]}; `since` keeps newer live events. */
  setPresence(byTable, since = null) {
    for (const [number, people] of Object.entries(byTable || {})) {
      const n = Number(number);
      if (since !== null && (this.presenceAt.get(n) || 0) > since) continue;
      this.presence.set(n, people || []);
    }
  }

  /** Apply a server event; returns the table it touched (or null). */
  apply(name, data) {
    if (!data) return null;
    if (name === "presence") {
      this.presence.set(data.table, data.people || []);
      this.presenceAt.set(data.table, Date.now());
    } else if (applyEvent(this, name, data) === data.table) {
      // when something last happened at a table: the overview shows it
      if (name === "entry") this.entryAt.set(data.table, Date.now());
      else if (name === "report") this.reportAt.set(data.table, Date.now());
    }
    return data.table != null ? data.table : null;
  }

  /** A meeting state from an event or a chair's acknowledgement; older ones are ignored. */
  applyMeeting(meeting, seq) {
    return applyMeeting(this, meeting, seq);
  }

  /** Table numbers in number order. */
  numbers() {
    return [...this.tables.keys()].sort((a, b) => a - b);
  }

  table(number) {
    return this.tables.get(number) || null;
  }

  /** A table's entries in list order; hidden ones only when asked (the chair sees them marked). */
  entries(number, { hidden = false } = {}) {
    const table = this.tables.get(number);
    if (!table) return [];
    const round = shownRound(this.meeting);
    // an entry waiting for the rapporteur's approval is never on a screen (nor on the chair's)
    const all = [...table.entries.values()].filter((e) => !e.waiting && (round === null || (e.round || 1) === round));
    return hidden ? all : all.filter((e) => !e.hidden);
  }

  /**
   * A table's entries with the number the screen gives them (1, 2, … over the visible ones,
   * the same number in every view); a hidden entry has number null.
   */
  numbered(number, { hidden = false } = {}) {
    let n = 0;
    const out = [];
    for (const entry of this.entries(number, { hidden: true })) {
      if (entry.hidden) {
        if (hidden) out.push({ entry, number: null });
      } else {
        n += 1;
        out.push({ entry, number: n });
      }
    }
    return out;
  }

  /** The report-back order (tables left out are skipped). */
  feedbackOrder(meeting = this.meeting) {
    return (meeting.feedback_order || []).filter((n) => this.tables.has(n));
  }

  /** Tables not in the report-back order. */
  skipped(meeting = this.meeting) {
    const order = new Set(this.feedbackOrder(meeting));
    return this.numbers().filter((n) => !order.has(n));
  }
}

/**
 * The round whose entries the screen shows: the chair's filter (a round, or 0 for every round),
 * else the round the tables are in; null (every entry) in a meeting without [[rounds]].
 */
export function shownRound(meeting) {
  if (!meeting || !(meeting.rounds || []).length) return null;
  const chosen = ((meeting.view || {}).filters || {}).round;
  if (chosen === 0) return null;
  return chosen || meeting.round || 1;
}

/** The table to show after a step through the order: "next", "prev", "first" or "last". */
export function stepTable(order, current, step) {
  if (!order.length) return null;
  const at = order.indexOf(current);
  if (step === "first") return order[0];
  if (step === "last") return order[order.length - 1];
  if (at === -1) return step === "prev" ? order[order.length - 1] : order[0];
  if (step === "next") return order[Math.min(order.length - 1, at + 1)];
  if (step === "prev") return order[Math.max(0, at - 1)];
  return current;
}

/** Move a table one place up (-1) or down (+1) in an order. */
export function moveInOrder(order, number, delta) {
  const list = [...order];
  const at = list.indexOf(number);
  const to = at + delta;
  if (at === -1 || to < 0 || to >= list.length) return list;
  [list[at], list[to]] = [list[to], list[at]];
  return list;
}

/** Number of words in a text (the report's size on a tile). */
export function wordCount(text) {
  const words = String(text || "").match(/[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu);
  return words ? words.length : 0;
}
