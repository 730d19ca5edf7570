// Runs static/js/reducer.js itself under Node for tests/test_screen_live.py: reads
// [{"snapshot": …, "events": [[name, data], …]}, …] as JSON on stdin and writes, per case,
// the state the reducer holds after applying the events to the snapshot, as plain JSON
// (a Map becomes a list in its order).

import { readFileSync } from "node:fs";

import { applyEvent, stateFromSnapshot } from "../static/js/reducer.js";

const plain = (state) => ({
  meeting: state.meeting,
  seq: state.seq,
  tables: [...state.tables.values()].map((t) => ({ info: t.info, report: t.report, ready: t.ready, entries: [...t.entries.values()] })),
  votes: [...state.votes.values()],
});

const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map(({ snapshot, events }) => {
  const state = stateFromSnapshot(snapshot);
  for (const [name, data] of events) applyEvent(state, name, data);
  return plain(state);
});
process.stdout.write(JSON.stringify(out));
