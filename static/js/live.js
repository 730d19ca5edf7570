// The live connection of a table page: a durable outbox, acknowledgements, resend after a
// reconnect, the save status, and a cache of the last snapshot for an offline reload.
//
// Every change is an operation with a fresh id. It is written to localStorage before it is
// sent, and removed only when the server acknowledges it (the server applies an id once, so
// sending it again is always safe). Each browser tab keeps its own outbox; the outbox of a
// tab that was closed (or crashed) is adopted by the next tab of the same table and role.

import { io } from "../vendor/socketio.js";
import * as Y from "../vendor/yjs.js";
import { MeetingStatus } from "./meeting-status.js";

const PREFIX = "facilitator";
const ACK_TIMEOUT_MS = 10000;
const RETRY_MS = 1500; // after a rate_limited answer
const MIN_SEND_INTERVAL_MS = 55; // stays under the server's 20 events per second
const HEARTBEAT_MS = 3000;
const ORPHAN_AFTER_MS = 12000; // a tab silent this long is gone: adopt its outbox

// ---------------------------------------------------------------------------- small tools

/** A random UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function uuid() {
  if (typeof crypto.randomUUID === "function" && window.isSecureContext) {
    return crypto.randomUUID();
  }
  return uuidFromRandomValues();
}

/** A version-4 UUID from crypto.getRandomValues (available on plain http too). */
export function uuidFromRandomValues() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Bytes → base64. */
export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** base64 → bytes. */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The parsed JSON of a <script type="application/json"> data block. */
export function readJSON(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

/** "{n} wijzigingen" with its placeholders filled. */
export function format(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
}

/** localStorage that never throws (private mode, a full quota); reports failures. */
export const store = {
  ok: true,
  onFail: null,
  get(key) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? null : JSON.parse(raw);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      this.ok = true;
      return true;
    } catch {
      this.ok = false;
      if (this.onFail) this.onFail();
      return false;
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      /* nothing to do */
    }
  },
  keys(prefix) {
    const out = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key && key.startsWith(prefix)) out.push(key);
      }
    } catch {
      /* storage unavailable */
    }
    return out;
  },
};

export function storageKey(kind, token) {
  return `${PREFIX}:${kind}:${token}`;
}

// ---------------------------------------------------------------------------- the outbox

function tabId() {
  let id = null;
  try {
    id = sessionStorage.getItem(`${PREFIX}:tab`);
  } catch {
    /* no sessionStorage */
  }
  // a duplicated tab copies sessionStorage: if that id is alive elsewhere, take a new one
  if (id) {
    const beat = Number(store.get(`${PREFIX}:beat:${id}`) || 0);
    if (beat && Date.now() - beat < HEARTBEAT_MS * 2 && !sessionStorage.getItem(`${PREFIX}:tab-reloading`)) {
      id = null;
    }
  }
  if (!id) id = uuid().slice(0, 8);
  try {
    sessionStorage.setItem(`${PREFIX}:tab`, id);
    sessionStorage.removeItem(`${PREFIX}:tab-reloading`);
  } catch {
    /* no sessionStorage */
  }
  return id;
}

/**
 * The operations not yet acknowledged, kept in localStorage under this tab's key:
 * {meta: {slug, table, role}, beat: <ms>, ops: [{event, payload, sent, meta?}]}.
 */
export class Outbox {
  constructor(token, meta) {
    this.token = token;
    this.meta = meta;
    this.tab = tabId();
    this.key = `${storageKey("outbox", token)}:${this.tab}`;
    const own = store.get(this.key);
    this.ops = own && Array.isArray(own.ops) ? own.ops : [];
    this.adopted = [];
    this.adoptOrphans();
    this.save();
    this.timer = setInterval(() => {
      this.save();
      this.adoptOrphans();
    }, HEARTBEAT_MS);
    window.addEventListener("pagehide", () => this.release(true));
  }

  /** Take over the outboxes of closed tabs of the same table and role (also an older link's). */
  adoptOrphans() {
    if (this.dead) return [];
    const now = Date.now();
    const found = [];
    for (const key of store.keys(`${PREFIX}:outbox:`)) {
      if (key === this.key) continue;
      const box = store.get(key);
      if (!box || !Array.isArray(box.ops)) continue;
      const m = box.meta || {};
      const mine = key.startsWith(`${storageKey("outbox", this.token)}:`) ||
        (m.slug === this.meta.slug && m.table === this.meta.table && m.role === this.meta.role);
      if (!mine || now - (box.beat || 0) < ORPHAN_AFTER_MS) continue;
      const known = new Set(this.ops.map((op) => op.payload.op));
      for (const op of box.ops) {
        if (!known.has(op.payload.op)) {
          // we cannot know whether that tab sent it: never merge into it, only resend it
          const copy = { ...op, sent: true };
          this.ops.push(copy);
          found.push(copy);
        }
      }
      store.remove(key);
    }
    if (found.length) {
      this.save();
      this.adopted.push(...found);
      if (this.onAdopt) this.onAdopt(found);
    }
    return found;
  }

  /** Persist (and say this tab is alive). */
  save() {
    if (this.dead) return false; // handed over: another tab (with a new link) takes it from here
    const now = Date.now();
    store.set(`${PREFIX}:beat:${this.tab}`, now);
    return store.set(this.key, { meta: this.meta, beat: now, ops: this.ops });
  }

  /** This link was revoked: leave the pending changes for a tab that opens the new link. */
  handOver() {
    if (this.dead) return;
    store.set(this.key, { meta: this.meta, beat: 0, ops: this.ops });
    store.remove(`${PREFIX}:beat:${this.tab}`);
    this.dead = true;
  }

  /** Closing: let the next tab adopt what is left at once (a reload takes it back itself). */
  release(closing) {
    if (this.dead) return;
    try {
      sessionStorage.setItem(`${PREFIX}:tab-reloading`, "1");
    } catch {
      /* no sessionStorage */
    }
    store.remove(`${PREFIX}:beat:${this.tab}`);
    if (this.ops.length) {
      store.set(this.key, { meta: this.meta, beat: closing ? 0 : Date.now(), ops: this.ops });
    } else {
      store.remove(this.key);
    }
  }

  /** A change as an operation: a fresh id, and `base`, the meeting seq this client had seen. */
  push(event, payload, meta, base) {
    const op = { event, payload: { ...payload, op: uuid() }, sent: false };
    if (typeof base === "number") op.payload.base = base;
    if (meta) op.meta = meta;
    this.ops.push(op);
    this.save();
    return op;
  }

  /** A report update: merged into the one report operation not yet sent, if there is one. */
  pushReport(update, base) {
    const open = this.ops.find((op) => op.event === "report:update" && !op.sent);
    if (open) {
      // keep the first base: the merged typing started before anything later was seen
      const merged = Y.mergeUpdates([fromBase64(open.payload.update), update]);
      open.payload.update = toBase64(merged);
      this.save();
      return open;
    }
    return this.push("report:update", { update: toBase64(update) }, null, base);
  }

  remove(opId) {
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => op.payload.op !== opId);
    if (this.ops.length !== before) this.save();
  }

  removeWhere(predicate) {
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => !predicate(op));
    if (this.ops.length !== before) this.save();
  }
}

// ---------------------------------------------------------------------------- table state

/** The table as the server last told it: entries in order, people, phase, sequence. */
export class TableState {
  constructor(snapshot) {
    this.load(snapshot);
  }

  load(snapshot) {
    const table = (snapshot.tables && snapshot.tables[0]) || {};
    this.meeting = snapshot.meeting || {};
    this.number = snapshot.table;
    this.seq = snapshot.seq || 0;
    this.entries = new Map((table.entries || []).map((e) => [e.id, e]));
    this.info = {
      number: table.number,
      participants: table.participants || [],
      leader: table.leader || null,
      rapporteur: table.rapporteur || null,
      spokesperson: table.spokesperson || null,
    };
    this.report = table.report || "";
  }

  get phase() {
    return this.meeting.phase;
  }

  apply(name, data) {
    if (typeof data.seq === "number") this.seq = Math.max(this.seq, data.seq);
    if (name === "entry") this.entries.set(data.entry.id, data.entry);
    else if (name === "entry:deleted") this.entries.delete(data.id);
    else if (name === "table") this.info = { ...this.info, ...data.info };
    else if (name === "report") this.report = data.text;
    else if (name === "meeting" && data.meeting) this.meeting = { ...this.meeting, ...data.meeting };
  }

  /** The snapshot form of this state (without the CRDT state), for the offline cache. */
  toSnapshot() {
    return {
      table: this.number,
      meeting: this.meeting,
      seq: this.seq,
      tables: [{ ...this.info, report: this.report, entries: [...this.entries.values()] }],
    };
  }

  /** Entries and people as they will be once the pending operations are applied. */
  view(ops) {
    const list = [...this.entries.values()].map((e) => ({ ...e }));
    const byId = new Map(list.map((e) => [e.id, e]));
    const pending = new Set();
    let info = { ...this.info };
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
      } else if (op.event === "table:update") {
        info = { ...info };
        for (const field of ["participants", "leader", "rapporteur", "spokesperson"]) {
          if (field in p) info[field] = p[field];
        }
        if ("participants" in p) {
          for (const role of ["leader", "spokesperson"]) {
            if (!(role in p) && info[role] && !p.participants.includes(info[role])) info[role] = null;
          }
        }
      }
    }
    const entries = list.filter((e) => !e.deleted).map((e) => ({ ...e, pending: pending.has(e.id) }));
    return { entries, info };
  }
}

// ---------------------------------------------------------------------------- the client

/**
 * The live client of one table page.
 *
 * handlers: snapshot(data), event(name, data), acked(op, ack), rejected(op, ack),
 * presence(data), change() — called whenever state, outbox or connection changed.
 */
export class LiveClient {
  constructor({ token, namespace, snapshot, strings, handlers }) {
    this.token = token;
    this.strings = strings;
    this.handlers = handlers;
    this.connected = false;
    this.synced = false;
    this.everConnected = false;
    this.failedOnce = false;
    this.closed = snapshot.meeting && snapshot.meeting.phase === "closed";
    this.revoked = false;
    this.inflight = null;
    this.retryAt = 0;
    this.lastSend = 0;
    this.pumpTimer = null;
    this.generation = 0;

    // the newest of what the page was rendered with and what this browser saw last
    const cached = store.get(storageKey("snapshot", token));
    const usable = cached && cached.tables && cached.table === snapshot.table;
    this.state = new TableState(usable && cached.seq > snapshot.seq ? cached : snapshot);
    if (usable && cached.seq > snapshot.seq) this.closed = this.state.phase === "closed";

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

    this.statusEl = document.getElementById("save-status");
    this.messageEl = document.getElementById("live-message");
    if (this.messageEl) {
      this.messageEl.querySelector("[data-action=dismiss]").addEventListener("click", () => this.message(""));
      this.messageEl.querySelector("[data-action=reload]").addEventListener("click", () => location.reload());
    }
    store.onFail = () => this.message(strings.storageFull);

    this.socket = io(namespace, {
      auth: { token },
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      autoConnect: false,
    });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", () => this.onDisconnect());
    this.socket.on("connect_error", (err) => this.onConnectError(err));
    this.socket.on("snapshot", (data) => this.onSnapshot(data));
    for (const name of ["entry", "entry:deleted", "report", "table", "meeting"]) {
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

  /** Queue a report update (bytes), merged with the report update not yet sent. */
  sendReport(update) {
    this.outbox.pushReport(update, this.state.seq);
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
    return this.state.view(this.outbox.ops);
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
    if (data && data.table != null && this.state.number != null && data.table !== this.state.number) return;
    this.state.apply(name, data);
    if (name === "meeting") {
      if (this.meetingStatus && data.meeting) this.meetingStatus.update(data.meeting);
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
    this.closed = closed;
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
      const seq = ack.seq;
      if (typeof seq === "number" && seq > this.state.seq) {
        if (ack.entry) this.state.apply("entry", { entry: ack.entry, seq });
        else if (op.event === "entry:delete") this.state.apply("entry:deleted", { id: op.payload.id, seq });
        else if (ack.info) this.state.apply("table", { info: ack.info, seq });
      }
      this.outbox.remove(op.payload.op);
      if (this.handlers.acked) this.handlers.acked(op, ack);
    } else if (ack.error === "rate_limited") {
      this.retryAt = Date.now() + RETRY_MS;
    } else if (ack.error === "closed") {
      // keep it: the text stays visible (and is sent if the input is opened again)
      op.refused = true;
      this.outbox.save();
      this.closed = true;
      this.state.meeting = { ...this.state.meeting, phase: "closed" };
      if (this.handlers.readonly) this.handlers.readonly(true);
    } else if (ack.error === "forbidden") {
      // with a correct client only a revoked link is refused: keep the change for a new link
      this.onRevoked();
    } else {
      this.outbox.remove(op.payload.op);
      this.message(ack.message || "");
      if (this.handlers.rejected) this.handlers.rejected(op, ack);
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
    if (n || !this.synced) return ["saving", s.saving];
    return ["saved", s.saved];
  }

  updateStatus() {
    if (!this.statusEl) return;
    const [state, text] = this.statusText();
    const label = this.statusEl.querySelector(".label");
    if (label.textContent !== text) label.textContent = text;
    this.statusEl.dataset.state = state;
    this.statusEl.dataset.pending = String(this.pendingCount);
    document.documentElement.dataset.live = state;
  }

  /** A message for a person next to the save status (empty hides it); reload: offer a reload. */
  message(text, { reload = false } = {}) {
    if (!this.messageEl) return;
    this.messageEl.querySelector(".text").textContent = text;
    this.messageEl.querySelector("[data-action=reload]").hidden = !reload;
    this.messageEl.hidden = !text;
  }
}

// ---------------------------------------------------------------------------- service worker

/** Register the service worker (secure contexts only) and have it keep this page for offline. */
export function registerServiceWorker(url) {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    document.documentElement.dataset.offline = "unsupported";
    return;
  }
  navigator.serviceWorker
    .register(url, { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      const worker = registration.active;
      if (!worker) return;
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        document.documentElement.dataset.offline = event.data && event.data.ok ? "ready" : "failed";
      };
      worker.postMessage({ type: "cache-page", url: location.href }, [channel.port2]);
    })
    .catch(() => {
      document.documentElement.dataset.offline = "failed";
    });
}

/** The person's optional display name (one per browser). */
export const displayName = {
  get() {
    return store.get(`${PREFIX}:name`) || "";
  },
  set(name) {
    store.set(`${PREFIX}:name`, name);
  },
};
