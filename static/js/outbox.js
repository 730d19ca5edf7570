// The offline side of a table page: localStorage that never throws, and the durable outbox.
//
// Every change is an operation with a fresh id. It is written to localStorage before it is
// sent, and removed only when the server acknowledges it (the server applies an id once, so
// sending it again is always safe). Each browser tab keeps its own outbox; the outbox of a
// tab that was closed (or crashed) is adopted by the next tab of the same table and role.

import * as Y from "../vendor/yjs.js";
import { fromBase64, toBase64, uuid } from "./util.js";

const PREFIX = "facilitator";
const HEARTBEAT_MS = 3000;
const ORPHAN_AFTER_MS = 12000; // a tab silent this long is gone: adopt its outbox

// ---------------------------------------------------------------------------- storage

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

/** The person's optional display name (one per browser). */
export const displayName = {
  get() {
    return store.get(`${PREFIX}:name`) || "";
  },
  set(name) {
    store.set(`${PREFIX}:name`, name);
  },
};

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
 * {meta: {slug, table, role}, beat: <ms>, ops: [{event, payload, sent, meta?}], failed: [...]}.
 * `failed` holds the entries the server refused for a reason a person can act on (too long,
 * an unknown bol…): never dropped silently, they stay on the page until the person re-enters,
 * copies or discards them: [{event, payload, meta?, error, message}].
 */
export class Outbox {
  constructor(token, meta) {
    this.token = token;
    this.meta = meta;
    this.tab = tabId();
    this.key = `${storageKey("outbox", token)}:${this.tab}`;
    const own = store.get(this.key);
    this.ops = own && Array.isArray(own.ops) ? own.ops : [];
    this.failed = own && Array.isArray(own.failed) ? own.failed : [];
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
    let keptFailed = false;
    for (const key of store.keys(`${PREFIX}:outbox:`)) {
      if (key === this.key) continue;
      const box = store.get(key);
      if (!box || !Array.isArray(box.ops)) continue;
      const m = box.meta || {};
      const mine = key.startsWith(`${storageKey("outbox", this.token)}:`) ||
        (m.slug === this.meta.slug && m.table === this.meta.table && m.role === this.meta.role);
      if (!mine || now - (box.beat || 0) < ORPHAN_AFTER_MS) continue;
      const known = new Set([...this.ops, ...this.failed].map((op) => op.payload.op));
      for (const op of Array.isArray(box.failed) ? box.failed : []) {
        if (!known.has(op.payload.op)) {
          this.failed.push(op);
          keptFailed = true;
        }
      }
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
    if (keptFailed && !found.length) {
      this.save();
      if (this.onAdopt) this.onAdopt(found);
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
    return store.set(this.key, { meta: this.meta, beat: now, ops: this.ops, failed: this.failed });
  }

  /** This link was revoked: leave the pending changes for a tab that opens the new link. */
  handOver() {
    if (this.dead) return;
    store.set(this.key, { meta: this.meta, beat: 0, ops: this.ops, failed: this.failed });
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
    if (this.ops.length || this.failed.length) {
      const box = { meta: this.meta, beat: closing ? 0 : Date.now(), ops: this.ops, failed: this.failed };
      store.set(this.key, box);
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

  /**
   * A report update (of round `round` > 1: that round's report, named in the payload): merged
   * into the one report operation of that round not yet sent, if there is one.
   */
  pushReport(update, base, round) {
    return this.pushUpdate("report:update", round > 1 ? { round } : {}, update, base);
  }

  /**
   * A CRDT update (report:update; feedback:update with its table in `fields`): merged into the
   * one such operation (of the same table) not yet sent, if there is one.
   */
  pushUpdate(event, fields, update, base) {
    const open = this.ops.find(
      (op) =>
        op.event === event && !op.sent && op.payload.table === fields.table && op.payload.round === fields.round,
    );
    if (open) {
      // keep the first base: the merged typing started before anything later was seen
      const merged = Y.mergeUpdates([fromBase64(open.payload.update), update]);
      open.payload.update = toBase64(merged);
      this.save();
      return open;
    }
    return this.push(event, { ...fields, update: toBase64(update) }, null, base);
  }

  remove(opId) {
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => op.payload.op !== opId);
    if (this.ops.length !== before) this.save();
  }

  /** The server refused this operation for a reason a person can act on: keep it to show. */
  fail(op, ack) {
    this.ops = this.ops.filter((other) => other.payload.op !== op.payload.op);
    const { event, payload, meta } = op;
    this.failed.push({ event, payload, meta, error: ack.error, message: ack.message || "" });
    this.save();
  }

  /** The person re-entered, copied or discarded a refused operation. */
  dismiss(opId) {
    this.failed = this.failed.filter((op) => op.payload.op !== opId);
    this.save();
  }

  removeWhere(predicate) {
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => !predicate(op));
    if (this.ops.length !== before) this.save();
  }
}
