// The report editor "Verslag": a plain textarea bound to the Y.Text "report" of a Yjs document.
// The minute-taker's plenary feedback is the same kind of document (root "feedback", one per table).
//
// Local typing becomes Yjs updates (sent through the outbox); updates from others are merged
// in and the caret is kept where it was. The whole document is also kept in localStorage, so
// that a reload while offline shows every keystroke; on (re)connecting the server's state is
// merged in (a CRDT merge: nothing is lost on either side) and what the server lacks is sent.

import * as Y from "../vendor/yjs.js";
import { store, storageKey } from "./outbox.js";
import { renderMarkdown } from "./markdown.js";
import { fromBase64, toBase64 } from "./util.js";

export const LOCAL = "local";
export const REMOTE = "remote";
const SAVE_DELAY_MS = 250;
const PREVIEW_DELAY_MS = 120;

const isHighSurrogate = (code) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code) => code >= 0xdc00 && code <= 0xdfff;

/** The single edit that turns oldText into newText: {index, remove, insert}. */
export function textDiff(oldText, newText) {
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  // never split a surrogate pair (an emoji): Yjs would store half a character
  if (prefix > 0 && isHighSurrogate(oldText.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)
  ) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(oldText.charCodeAt(oldText.length - suffix))) suffix--;
  return {
    index: prefix,
    remove: oldText.length - prefix - suffix,
    insert: newText.slice(prefix, newText.length - suffix),
  };
}

/** Move a selection through a Y.Text delta (a remote change); inserts at the caret go after it. */
export function transformRange(delta, start, end) {
  let pos = 0;
  for (const part of delta) {
    if (part.retain) {
      pos += part.retain;
    } else if (part.insert !== undefined) {
      const length = typeof part.insert === "string" ? part.insert.length : 1;
      if (pos < start) start += length;
      if (pos < end) end += length;
      pos += length;
    } else if (part.delete) {
      if (pos < start) start -= Math.min(part.delete, start - pos);
      if (pos < end) end -= Math.min(part.delete, end - pos);
    }
  }
  return [start, end];
}

export class ReportEditor {
  /**
   * textarea: the "Verslag" field; preview: where the Markdown preview goes;
   * serverState: base64 Yjs state the page was rendered with; pending: Yjs updates
   * (bytes) still in the outbox; onLocalUpdate(update): a local change to send; root: the
   * Y.Text's name; storeAs: the name of the local copy (one per document of a link); active:
   * whether it is the document the textarea shows (a report per round: one editor per round
   * shares the textarea, see report-rounds.js).
   */
  constructor({
    textarea,
    preview,
    token,
    serverState,
    pending = [],
    onLocalUpdate,
    root = "report",
    storeAs = "report",
    active = true,
  }) {
    this.textarea = textarea;
    this.active = active;
    this.preview = preview;
    this.key = storageKey(storeAs, token);
    this.onLocalUpdate = onLocalUpdate;
    this.root = root;
    this.doc = new Y.Doc();
    this.text = this.doc.getText(root);

    // everything this browser knows: the server's state, the saved document, unsent updates
    this.merge(serverState);
    this.merge(store.get(this.key));
    for (const update of pending) this.mergeBytes(update);

    this.doc.on("update", (update, origin) => {
      if (origin === LOCAL && this.onLocalUpdate) this.onLocalUpdate(update);
      this.scheduleSave();
    });
    this.text.observe((event) => {
      if (event.transaction.origin !== LOCAL) this.showRemote(event.delta);
      this.schedulePreview();
    });
    textarea.addEventListener("input", () => this.takeInput());
    window.addEventListener("pagehide", () => this.saveNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.saveNow();
    });

    if (active) this.activate();
    this.saveNow();
  }

  /** Show this document in the textarea (and its preview); typing goes to it from now on. */
  activate() {
    this.active = true;
    this.textarea.value = this.text.toString();
    this.textarea.readOnly = Boolean(this.readOnly);
    this.renderPreview();
  }

  /** Merge a base64 Yjs update or state (from the server or storage) into the document. */
  merge(base64) {
    if (!base64) return;
    try {
      Y.applyUpdate(this.doc, fromBase64(base64), REMOTE);
    } catch (err) {
      console.error("report: unreadable state", err);
    }
  }

  mergeBytes(update) {
    try {
      Y.applyUpdate(this.doc, update, REMOTE);
    } catch (err) {
      console.error("report: unreadable update", err);
    }
  }

  /** The textarea changed: turn the difference into one Yjs transaction. */
  takeInput() {
    if (!this.active) return;
    const before = this.text.toString();
    const after = this.textarea.value;
    if (before === after) return;
    const { index, remove, insert } = textDiff(before, after);
    this.doc.transact(() => {
      if (remove) this.text.delete(index, remove);
      if (insert) this.text.insert(index, insert);
    }, LOCAL);
  }

  /** Someone else's change: show it, keeping this person's caret and scroll position. */
  showRemote(delta) {
    if (!this.active) return;
    const area = this.textarea;
    const focused = document.activeElement === area;
    const [start, end] = transformRange(delta, area.selectionStart, area.selectionEnd);
    const direction = area.selectionDirection;
    const top = area.scrollTop;
    area.value = this.text.toString();
    if (focused) area.setSelectionRange(start, end, direction);
    area.scrollTop = top;
  }

  /**
   * After connecting: merge the server's state, and return the update the server still
   * lacks (or null when it has everything).
   */
  syncWithServer(serverState) {
    if (!serverState) return null;
    const server = fromBase64(serverState);
    this.mergeBytes(server);
    const serverVector = Y.encodeStateVectorFromUpdate(server);
    const diff = Y.encodeStateAsUpdate(this.doc, serverVector);
    const theirs = Y.decodeStateVector(serverVector);
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
      if ((theirs.get(client) || 0) < clock) return diff;
    }
    // no new characters; maybe deletions of text the server has
    const probe = new Y.Doc();
    Y.applyUpdate(probe, server);
    const before = probe.getText(this.root).toString();
    Y.applyUpdate(probe, diff);
    const changed = probe.getText(this.root).toString() !== before;
    probe.destroy();
    return changed ? diff : null;
  }

  /** The whole document as one update, or null when nothing was ever typed in it. */
  everything() {
    return Y.encodeStateVector(this.doc).length > 1 ? Y.encodeStateAsUpdate(this.doc) : null;
  }

  /** Everything the server lacks, given its state vector (base64): the update of a resync. */
  missingFor(stateVector) {
    return Y.encodeStateAsUpdate(this.doc, fromBase64(stateVector));
  }

  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    if (this.active) this.textarea.readOnly = readOnly;
  }

  scheduleSave() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }

  saveNow() {
    clearTimeout(this.saveTimer);
    store.set(this.key, toBase64(Y.encodeStateAsUpdate(this.doc)));
  }

  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.renderPreview(), PREVIEW_DELAY_MS);
  }

  renderPreview() {
    if (this.preview && this.active) this.preview.replaceChildren(renderMarkdown(this.text.toString()));
  }
}
