// The one place the Socket.IO connection is made: every page's socket has the same options.

import { io } from "../vendor/socketio.js";

const AUTHOR_KEY = "facilitator:author";

/**
 * This device's author key: random, made once and kept in local storage. A table's link is
 * shared by everyone at it; this key tells the server which entries this device added (it
 * keeps only a hash), so a participant can correct their own and no one else's.
 */
export function authorKey() {
  try {
    let key = localStorage.getItem(AUTHOR_KEY);
    if (!key || !/^[0-9a-f]{32}$/.test(key)) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      key = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(AUTHOR_KEY, key);
    }
    return key;
  } catch {
    return undefined; // storage off: entries can be added, not corrected
  }
}

/**
 * A socket on the live namespace, authenticated by the page's link token (and the device's author key). WebSocket first,
 * long polling where a venue's network blocks it; quick reconnects with a short back-off.
 * autoConnect: false lets the caller attach its handlers (and read its cache) first.
 * The handshake carries the page's language (`<html lang>`), so refusals read in it, and the
 * meeting's slug: behind nginx every connection of one meeting goes to the same server process
 * (deploy/nginx.conf, docs/protocol.md).
 */
export function openSocket(namespace, token, { autoConnect = true, meeting } = {}) {
  const lang = document.documentElement.lang || "nl";
  return io(namespace, {
    auth: { token, author: authorKey() },
    query: meeting ? { lang, meeting } : { lang },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    autoConnect,
  });
}
