// What the screen knows: every table of the meeting from the snapshot, kept current by the
// live events (a snapshot plus its events equals a fresh snapshot: tests/test_screen_live.py).

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
    this.meeting = { ...(snapshot.meeting || {}) };
    this.template = this.meeting.template || { bollen: [], horizons: [] };
    this.seq = snapshot.seq || 0;
    this.meetingSeq = this.seq;
    this.serverTime = snapshot.server_time || null;
    this.tables = new Map();
    for (const t of snapshot.tables || []) {
      this.tables.set(t.number, {
        info: {
          number: t.number,
          participants: t.participants || [],
          leader: t.leader || null,
          rapporteur: t.rapporteur || null,
          spokesperson: t.spokesperson || null,
        },
        report: t.report || "",
        entries: new Map((t.entries || []).map((e) => [e.id, e])),
      });
    }
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
    if (typeof data.seq === "number" && name !== "meeting") this.seq = Math.max(this.seq, data.seq);
    const table = data.table != null ? this.tables.get(data.table) : null;
    if (name === "entry" && table) {
      table.entries.set(data.entry.id, data.entry);
      this.entryAt.set(data.table, Date.now());
    } else if (name === "entry:deleted" && table) {
      table.entries.delete(data.id);
    } else if (name === "report" && table) {
      table.report = data.text || "";
      this.reportAt.set(data.table, Date.now());
    } else if (name === "table" && table) {
      table.info = { ...table.info, ...data.info };
    } else if (name === "presence") {
      this.presence.set(data.table, data.people || []);
      this.presenceAt.set(data.table, Date.now());
    } else if (name === "meeting") {
      this.applyMeeting(data.meeting, data.seq);
    }
    return data.table != null ? data.table : null;
  }

  /** A meeting state from an event or a chair's acknowledgement; older ones are ignored. */
  applyMeeting(meeting, seq) {
    if (!meeting) return false;
    if (typeof seq === "number") {
      if (seq < this.meetingSeq) return false;
      this.meetingSeq = seq;
      this.seq = Math.max(this.seq, seq);
    }
    this.meeting = { ...this.meeting, ...meeting };
    return true;
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
    const all = [...table.entries.values()];
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
