// How a server event changes what a page knows: one reducer for the table pages (their own
// table) and the screen and chair (every table), so an event means the same on both.
// A snapshot plus its events equals a fresh snapshot (tests/test_screen_live.py).
//
// The state: {meeting, seq, meetingSeq, tables: Map<number, {info, report, reports, ready, entries}>,
// votes: Map<number, vote>}, where entries is a Map by id in list order, ready is since when the
// table says its report is ready for the report-back (null: not ready), and a vote's results
// are null until it is closed (the chair's: the count so far, from `vote:tally`). A meeting held
// in rounds has a report per round: `report` is round 1's, `reports` a Map round → text of the later.

/** The server events that applyEvent knows besides `meeting`: every page listens to them. */
export const TABLE_EVENTS = ["entry", "entry:deleted", "report", "table", "ready", "vote", "vote:tally"];
// events of the whole meeting the screen and the chair follow (the groups of entries across tables)
export const MEETING_EVENTS = ["group"];

/** One table of a snapshot as a page keeps it. */
export function tableFromSnapshot(t) {
  return {
    info: {
      number: t.number,
      participants: t.participants || [],
      leader: t.leader || null,
      rapporteur: t.rapporteur || null,
      spokesperson: t.spokesperson || null,
    },
    report: t.report || "",
    reports: new Map((t.round_reports || []).map((r) => [r.round, r.text || ""])),
    ready: t.ready || null,
    entries: new Map((t.entries || []).map((e) => [e.id, e])),
  };
}

/** A table's report of a round (round 1, or none given: the table's own report). */
export function reportOf(table, round) {
  if (!table) return "";
  return round > 1 ? (table.reports && table.reports.get(round)) || "" : table.report || "";
}

/** A table's reports of rounds after the first as a snapshot carries them (round_reports). */
export function roundReports(table) {
  return [...((table && table.reports) || new Map()).entries()].map(([round, text]) => ({ round, text }));
}

/** The state of a snapshot (its tables as given: one for a table page, all for the screen). */
export function stateFromSnapshot(snapshot) {
  const seq = snapshot.seq || 0;
  return {
    meeting: { ...(snapshot.meeting || {}) },
    seq,
    meetingSeq: seq,
    tables: new Map((snapshot.tables || []).map((t) => [t.number, tableFromSnapshot(t)])),
    votes: new Map((snapshot.votes || []).map((v) => [v.number, v])),
  };
}

/**
 * Apply a server event (entry, entry:deleted, report, table, ready, meeting) to a state; returns
 * what changed: the table's number, "meeting", or null (a table this state does not hold,
 * a meeting state older than the one it has, an event it does not know).
 */
export function applyEvent(state, name, data) {
  if (!data) return null;
  if (name === "meeting") return applyMeeting(state, data.meeting, data.seq) ? "meeting" : null;
  keepEvent(state, name, data);
  if (typeof data.seq === "number") state.seq = Math.max(state.seq, data.seq);
  if (name === "group") return applyGroup(state, data.group) ? "meeting" : null;
  if (name === "vote" || name === "vote:tally") return applyVote(state, name, data) ? "votes" : null;
  const table = data.table != null ? state.tables.get(data.table) : null;
  if (!table) return null;
  if (name === "entry") table.entries.set(data.entry.id, data.entry);
  else if (name === "entry:deleted") table.entries.delete(data.id);
  else if (name === "report" && data.round > 1) table.reports.set(data.round, data.text || "");
  else if (name === "report") table.report = data.text || "";
  else if (name === "table") table.info = { ...table.info, ...data.info };
  else if (name === "ready") table.ready = data.ready ? data.since : null;
  else return null;
  return data.table;
}

/** A group as a `group` event or a `group:set` acknowledgement has it; no entries: dissolved. */
export function applyGroup(state, group) {
  if (!group || !group.id) return false;
  const groups = (state.meeting.groups || []).filter((g) => g.id !== group.id);
  const at = (state.meeting.groups || []).findIndex((g) => g.id === group.id);
  if ((group.entries || []).length) groups.splice(at < 0 ? groups.length : at, 0, group);
  state.meeting = { ...state.meeting, groups };
  return true;
}

/**
 * The server event an acknowledgement's result stands for ([name, data]; null: none), to
 * apply when its broadcast has not come yet.
 */
export function ackEvent(event, payload, ack) {
  const seq = ack.seq;
  if (ack.entry) return ["entry", { entry: ack.entry, seq }];
  if (event === "entry:delete") return ["entry:deleted", { id: payload.id, seq }];
  if (ack.info) return ["table", { info: ack.info, seq }];
  if (event === "table:ready") return ["ready", { ready: ack.since != null, since: ack.since, seq }];
  if (event === "chair:vote" && ack.vote) return ["vote", { vote: ack.vote, seq }];
  return null;
}

/** A vote opened or closed (`vote`: the whole vote), or an open vote's count (`vote:tally`, chairs). */
function applyVote(state, name, data) {
  if (!state.votes) state.votes = new Map();
  if (name === "vote") {
    const known = state.votes.get(data.vote.number);
    // an ack's copy (results null) never hides the count a chair already has of an open vote
    const keep = known && data.vote.results == null && !data.vote.closed_at;
    state.votes.set(data.vote.number, keep ? { ...data.vote, results: known.results, ballots: known.ballots } : data.vote);
    return true;
  }
  const vote = state.votes.get(data.vote);
  if (!vote) return false;
  state.votes.set(data.vote, { ...vote, results: data.results, ballots: data.ballots });
  return true;
}

/**
 * A meeting state from a `meeting` event or a chair's acknowledgement: merged over the one
 * the state has; an older one (a smaller seq, it crossed a newer one on the way) is ignored.
 */
export function applyMeeting(state, meeting, seq) {
  keepEvent(state, "meeting", { meeting, seq });
  if (!meeting) return false;
  if (typeof seq === "number") {
    if (seq < state.meetingSeq) return false;
    state.meetingSeq = seq;
    state.seq = Math.max(state.seq, seq);
  }
  state.meeting = { ...state.meeting, ...meeting };
  return true;
}

// A snapshot's sequence number is read before its content, and the server joins a connecting
// client to its rooms before it reads the snapshot. So an event broadcast while the snapshot is
// being read (on PostgreSQL the reads let other work run) can reach the client first and yet be
// missing from the snapshot, which then replaces the state. A state keeps the last events it
// applied, and applies those newer than a snapshot again, in their order, once it has loaded it.
const KEPT_EVENTS = 200;

/** Keep an event that carries the meeting's sequence number (applyEvent and applyMeeting do). */
function keepEvent(state, name, data) {
  if (!data || typeof data.seq !== "number") return;
  if (!state.recent) state.recent = [];
  state.recent.push([name, data]);
  if (state.recent.length > KEPT_EVENTS) state.recent.shift();
}

/** After a snapshot is loaded into ``state``: the kept events newer than it, applied again. */
export function replayNewer(state, apply) {
  const newer = (state.recent || []).filter(([, data]) => data.seq > state.seq);
  state.recent = [];
  for (const [name, data] of newer) apply(name, data);
}
