// The live connection of a table page: the outbox's operations sent one at a time, acks, resend
// after a reconnect, the save status, and a cache of the last snapshot for an offline reload.
// The outbox (outbox.js) keeps what is not acknowledged yet; table-state.js what the server told.

import { MeetingStatus } from "./meeting-status.js";
import { Outbox, store, storageKey } from "./outbox.js";
import { SaveStatus } from "./live-status.js";
import { LIMITS, REFUSALS } from "./protocol.js";
import { TABLE_EVENTS, ackEvent } from "./reducer.js";
import { openSocket } from "./socket.js";
import { TableState } from "./table-state.js";
import { format } from "./util.js";

const ACK_TIMEOUT_MS = 10000; // no answer: the connection is dropped and the op sent again
const RETRY_MS = 1500; // after a rate_limited answer
const BACKOFF_MIN_MS = 500; // after an answer `unavailable` (the server failed): doubling…
const BACKOFF_MAX_MS = 15000; // …up to this, with jitter
// refusals a person can act on: not sent again, the text stays (forbidden, closed: see onAck)
const REFUSED = new Set(REFUSALS.filter((code) => code !== "forbidden" && code !== "closed"));
// refused operations kept on the page (their text is typed there); others show the message only
const KEPT_WHEN_REFUSED = new Set(["entry:add", "entry:update"]);
const MIN_SEND_INTERVAL_MS = 1000 / LIMITS.events_per_second + 5; // under the server's rate

/**
 * The live client of one table page.
 *
 * handlers: snapshot(data), event(name, data), acked(op, ack), rejected(op, ack),
 * outOfSync(op, ack) (a report update the server cannot merge), presence(data),
 * change() — called whenever state, outbox or connection changed.
 *
 * The retry rule (docs/protocol.md): an op leaves the outbox only when it is acknowledged
 * `ok`, or refused for a reason a person can act on — and then its text stays on the page
 * with the message. Anything else (`unavailable`, `rate_limited`, an unknown code, no
 * answer) is sent again, with back-off.
 */
export class LiveClient {
  /** State: the page's state class; events: more server events to apply; closes: the close stops sending. */
  constructor({ token, namespace, snapshot, strings, handlers, State = TableState, events = [], closes = true }) {
    this.token = token;
    this.strings = strings;
    this.handlers = handlers;
    this.closes = closes;
    this.connected = false;
    this.synced = false;
    this.everConnected = false;
    this.failedOnce = false;
    this.closed = closes && snapshot.meeting && snapshot.meeting.phase === "closed";
    this.revoked = false;
    // the tag of this device's author key, as the server last told it (kept for an offline reload)
    this.author = snapshot.author || store.get(storageKey("author", token)) || null;
    this.inflight = null;
    this.retryAt = 0;
    this.failures = 0; // answers `unavailable` in a row: the back-off grows with them
    this.lastSend = 0;
    this.pumpTimer = null;
    this.generation = 0;

    // the newest of what the page was rendered with and what this browser saw last
    const cached = store.get(storageKey("snapshot", token));
    const usable = cached && cached.tables && cached.table === snapshot.table;
    this.state = new State(usable && cached.seq > snapshot.seq ? cached : snapshot);
    if (usable && cached.seq > snapshot.seq) this.closed = closes && this.state.phase === "closed";

    this.template = JSON.stringify(snapshot.meeting.template || null); // what the page was drawn with
    const meta = { slug: snapshot.meeting.slug, table: snapshot.table, role: snapshot.role };
    this.outbox = new Outbox(token, meta);

    // phase and round timer, in the header of every table page
    const statusBox = document.getElementById("meeting-status");
    this.meetingStatus = statusBox ? new MeetingStatus(statusBox) : null;
    if (this.meetingStatus) {
      if (snapshot.server_time) this.meetingStatus.setServerTime(snapshot.server_time);
      this.meetingStatus.update(this.state.meeting);
    }

    this.status = new SaveStatus();
    store.onFail = () => this.message(strings.storageFull);

    this.socket = openSocket(namespace, token, { autoConnect: false, meeting: meta.slug });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", () => this.onDisconnect());
    this.socket.on("connect_error", (err) => this.onConnectError(err));
    this.socket.on("snapshot", (data) => {
      // the tag of this device's author key: which entries it may correct (a participant)
      if (data && "author" in data && data.author !== this.author) {
        this.author = data.author;
        store.set(storageKey("author", token), data.author);
      }
      this.onSnapshot(data);
    });
    for (const name of [...TABLE_EVENTS, "meeting", ...events]) {
      this.socket.on(name, (data) => this.onEvent(name, data));
    }
    this.socket.on("presence", (data) => handlers.presence && handlers.presence(data));
    this.socket.on("revoked", (data) => this.onRevoked(data));
    // the secretariat changed the meeting: reconnect for a fresh snapshot
    this.socket.on("refresh", () => this.resync());

    // the browser knows first when the network is gone or back
    window.addEventListener("offline", () => this.dropConnection());
    window.addEventListener("online", () => this.reconnectNow());
  }

  connect() {
    if (this.revoked || this.socket.connected) return;
    this.socket.connect();
  }

  /** Close the transport; socket.io then reconnects by itself (with back-off). */
  dropConnection() {
    const engine = this.socket.io.engine;
    if (engine && this.socket.connected) engine.close();
    this.markDisconnected();
  }

  /** Start over with a fresh snapshot (the pending changes are sent again after it). */
  resync() {
    if (this.revoked) return;
    this.socket.disconnect();
    this.markDisconnected();
    this.socket.connect();
  }

  /** The network is back: try at once instead of waiting for the back-off timer. */
  reconnectNow() {
    if (this.revoked || this.socket.connected) return;
    this.socket.disconnect();
    this.socket.connect();
  }

  start() {
    this.updateStatus();
    if (navigator.onLine === false) this.markDisconnected();
    this.connect();
  }

  /** Queue a change (sent now when connected, later otherwise); returns the operation. */
  send(event, payload, meta) {
    const op = this.outbox.push(event, payload, meta, this.state.seq);
    this.changed();
    this.pump();
    return op;
  }

  /** Queue a report update (bytes; of round `round` > 1: that round's report), merged with the
   * report update of that round not yet sent. */
  sendReport(update, round) {
    this.outbox.pushReport(update, this.state.seq, round);
    this.changed();
    this.pump();
  }

  /** A best-effort event that is not kept (presence). */
  emitVolatile(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload, () => {});
  }

  get pendingCount() {
    return this.outbox.ops.length;
  }

  view() {
    return this.state.view(this.outbox.ops, this.outbox.failed);
  }

  /** A refused operation was re-entered, copied away or discarded by the person. */
  dismissFailed(opId) {
    this.outbox.dismiss(opId);
    this.changed();
  }

  // ------------------------------------------------------------------ connection events

  onConnect() {
    this.connected = true;
    this.everConnected = true;
    this.generation += 1;
    this.inflight = null;
    this.updateStatus();
    if (this.handlers.connected) this.handlers.connected();
    this.pump();
  }

  onDisconnect() {
    this.markDisconnected();
  }

  markDisconnected() {
    this.connected = false;
    this.synced = false;
    this.inflight = null;
    this.updateStatus();
    if (this.handlers.disconnected) this.handlers.disconnected();
  }

  onConnectError() {
    this.connected = false;
    this.failedOnce = true;
    this.updateStatus();
    if (this.handlers.disconnected) this.handlers.disconnected();
    // refused by the server: socket.io does not retry by itself. A revoked link is refused
    // for good (its page is gone too); anything else is tried again in a moment
    if (!this.socket.active) {
      fetch(location.href, { method: "HEAD", cache: "no-store" })
        .then((response) => {
          if (response.status === 404) this.onRevoked();
          else setTimeout(() => this.connect(), RETRY_MS * 2);
        })
        .catch(() => setTimeout(() => this.connect(), RETRY_MS * 2));
    }
  }

  onRevoked() {
    this.revoked = true;
    this.connected = false;
    this.outbox.handOver();
    this.message(this.strings.revokedMessage);
    this.updateStatus();
    if (this.handlers.readonly) this.handlers.readonly(true);
  }

  onSnapshot(data) {
    const seenBefore = this.state.seq;
    const template = JSON.stringify((data.meeting && data.meeting.template) || null);
    if (this.template === undefined) this.template = template;
    else if (template !== this.template) this.message(this.strings.templateChanged, { reload: true });
    this.state.load(data);
    if (this.meetingStatus) {
      this.meetingStatus.setServerTime(data.server_time);
      this.meetingStatus.update(data.meeting);
    }
    this.setClosed(this.state.phase === "closed");
    this.saveSnapshot();
    if (this.handlers.snapshot) this.handlers.snapshot(data, seenBefore);
    // the server sends the snapshot just before it confirms the connection (or just after):
    // sending starts once both have happened
    this.synced = true;
    if (this.handlers.readonly) this.handlers.readonly(this.closed);
    this.changed();
    this.pump();
  }

  onEvent(name, data) {
    if (data && data.table != null && this.state.number != null && data.table !== this.state.number) return this.handlers.otherTable?.(name, data);
    const changed = this.state.apply(name, data);
    if (name === "meeting") {
      if (this.meetingStatus && changed) this.meetingStatus.update(data.meeting);
      this.setClosed(this.state.phase === "closed");
      if (this.handlers.readonly) this.handlers.readonly(this.closed);
      this.pump();
    }
    this.saveSnapshot();
    if (this.handlers.event) this.handlers.event(name, data);
    this.changed();
  }

  setClosed(closed) {
    if (this.closed && !closed) {
      // opened again: what the close refused may be sent now
      for (const op of this.outbox.ops) delete op.refused;
      this.outbox.save();
    }
    this.closed = closed && this.closes;
  }

  saveSnapshot() {
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(
      () => store.set(storageKey("snapshot", this.token), this.state.toSnapshot()),
      100,
    );
  }

  // ------------------------------------------------------------------ sending

  /** The next operation to send: the oldest; once closed, only those made before the close. */
  nextOp() {
    if (!this.closed) return this.outbox.ops[0];
    const closedSeq = this.state.meeting.closed_seq;
    if (typeof closedSeq !== "number") return undefined;
    return this.outbox.ops.find(
      (op) => !op.refused && typeof op.payload.base === "number" && op.payload.base < closedSeq,
    );
  }

  pump() {
    if (!this.connected || !this.synced || this.revoked || this.inflight) return;
    const op = this.nextOp();
    if (!op) {
      this.updateStatus();
      return;
    }
    const wait = Math.max(this.retryAt - Date.now(), this.lastSend + MIN_SEND_INTERVAL_MS - Date.now());
    if (wait > 0) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = setTimeout(() => this.pump(), wait);
      return;
    }
    if (!op.sent) {
      op.sent = true; // from now on it may have reached the server: never merge into it
      this.outbox.save();
    }
    const generation = this.generation;
    const opId = op.payload.op;
    this.inflight = opId;
    this.lastSend = Date.now();
    this.socket.timeout(ACK_TIMEOUT_MS).emit(op.event, op.payload, (err, ack) => {
      this.onAck(op, generation, err, ack);
    });
  }

  onAck(op, generation, err, ack) {
    const current = generation === this.generation && this.inflight === op.payload.op;
    if (err || !ack || typeof ack !== "object") {
      if (current) {
        // no answer: the connection is probably dead although the browser thinks otherwise
        this.inflight = null;
        this.dropConnection();
      }
      return;
    }
    if (ack.ok) {
      // the acknowledgement carries the result: take it when its broadcast has not come yet
      // (a resent operation is answered with its old result: then the state is newer already)
      const result = typeof ack.seq === "number" && ack.seq > this.state.seq && ackEvent(op.event, op.payload, ack);
      if (result) this.state.apply(...result);
      this.failures = 0;
      this.outbox.remove(op.payload.op);
      if (this.handlers.acked) this.handlers.acked(op, ack);
    } else if (ack.error === "rate_limited") {
      this.retryAt = Date.now() + RETRY_MS;
    } else if (ack.error === "out_of_sync" && this.handlers.outOfSync) {
      // the server lacks what this report update builds on: send it the whole difference
      this.handlers.outOfSync(op, ack);
    } else if (ack.error === "closed") {
      // keep it: the text stays visible (and is sent if the input is opened again)
      op.refused = true;
      this.outbox.save();
      this.closed = true;
      this.state.meeting = { ...this.state.meeting, phase: "closed" };
      if (this.handlers.readonly) this.handlers.readonly(true);
    } else if (ack.error === "forbidden" && !ack.not_yours) {
      // with a correct client only a revoked link is refused: keep the change for a new link
      this.onRevoked();
    } else if (REFUSED.has(ack.error) || ack.not_yours) {
      // the person can act on it: keep the text on the page with the reason, never drop it
      if (KEPT_WHEN_REFUSED.has(op.event)) this.outbox.fail(op, ack);
      else this.outbox.remove(op.payload.op);
      this.message(ack.message || "");
      if (this.handlers.rejected) this.handlers.rejected(op, ack);
    } else {
      // `unavailable` (the server itself failed) or anything unknown: keep it, send it again
      this.failures += 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
      this.retryAt = Date.now() + delay * (0.5 + Math.random() * 0.5);
    }
    if (current) this.inflight = null;
    this.changed();
    this.pump();
  }

  // ------------------------------------------------------------------ status

  changed() {
    this.updateStatus();
    if (this.handlers.change) this.handlers.change();
  }

  statusText() {
    const s = this.strings;
    const n = this.pendingCount;
    if (this.revoked) return ["error", s.revoked];
    if (this.closed) {
      if (this.connected && this.synced && this.nextOp()) return ["saving", s.saving];
      return ["closed", n ? format(s.closedPending, { n }) : s.closed];
    }
    if (!this.connected) {
      if (!this.everConnected && !this.failedOnce && navigator.onLine !== false && !n) {
        return ["connecting", s.connecting];
      }
      if (!n) return ["offline", s.offlineNone];
      return ["offline", n === 1 ? s.offlineOne : format(s.offlineMany, { n })];
    }
    if (n && this.failures) return ["retrying", n === 1 ? s.retryingOne : format(s.retryingMany, { n })];
    if (n || !this.synced) return ["saving", s.saving];
    return ["saved", s.saved];
  }

  updateStatus() {
    const [state, text] = this.statusText();
    this.status.show(state, text, this.pendingCount);
  }

  /** A message for a person next to the save status (empty hides it); reload: offer a reload. */
  message(text, options) {
    this.status.message(text, options);
  }
}
