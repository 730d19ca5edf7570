// The one place the Socket.IO connection is made: every page's socket has the same options.

import { io } from "../vendor/socketio.js";

/**
 * A socket on the live namespace, authenticated by the page's link token. WebSocket first,
 * long polling where a venue's network blocks it; quick reconnects with a short back-off.
 * autoConnect: false lets the caller attach its handlers (and read its cache) first.
 * The handshake carries the page's language (`<html lang>`), so refusals read in it.
 */
export function openSocket(namespace, token, { autoConnect = true } = {}) {
  return io(namespace, {
    auth: { token },
    query: { lang: document.documentElement.lang || "nl" },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    autoConnect,
  });
}
