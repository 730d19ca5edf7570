// What both table pages do around their entries: presence ("Aan deze tafel: …"), the display
// name, the people at the table, redrawing only on change, and the live client's handlers.

import { OthersBox } from "./others-box.js";
import { displayName } from "./outbox.js";
import { format, h } from "./util.js";

/** "Aan deze tafel: …" from a presence event; this connection is "u". */
export function renderPresence(element, people, { strings, selfId }) {
  const others = people.filter((p) => p.id !== selfId);
  if (!others.length) {
    element.textContent = strings.presenceAlone;
    return;
  }
  const names = others.map((p) => {
    const role = (strings.roles && strings.roles[p.role]) || p.role;
    return p.name ? `${p.name} (${role})` : role;
  });
  const withYou = others.length !== people.length;
  element.textContent = format(withYou ? strings.presenceWithYou : strings.presence, { people: names.join(", ") });
}

/** The optional name form; calls onName(name) when it is saved. */
export function setupNameForm(form, { initial, onName }) {
  const input = form.querySelector("input");
  input.value = initial || "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onName(input.value.trim());
    const details = form.closest("details");
    if (details) details.open = false;
  });
}

/** The people block: participants with "(gespreksleider)", rapporteur, spokesperson. */
export function renderPeople(container, info, strings) {
  if (!container) return;
  const participants = container.querySelector("[data-field=participants]");
  if (info.participants && info.participants.length) {
    participants.textContent = info.participants
      .map((name) => (name === info.leader ? `${name} (${strings.leader})` : name))
      .join(", ");
  } else {
    participants.replaceChildren(h("em", {}, strings.nobody));
  }
  container.querySelector("[data-field=rapporteur]").textContent = info.rapporteur || "";
  container.querySelector("[data-field=spokesperson]").textContent = info.spokesperson || "";
}

/** Whether a list of entries looks different from the last one drawn. */
export function changedSince(previous, next) {
  const signature = JSON.stringify(next);
  return [signature !== previous, signature];
}

/** Call fn after the window width changed (and settled). */
export function onWidthChange(fn) {
  let width = window.innerWidth;
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (Math.abs(window.innerWidth - width) < 40) return;
      width = window.innerWidth;
      fn();
    }, 200);
  });
}


/**
 * The live-client handlers both table pages share: presence, the connection's state and
 * read-only mode. `getLive` returns the LiveClient (it does not exist yet when this is called).
 */
export function tableHandlers(getLive, strings, { setReadOnly, render }) {
  const others = new OthersBox(document.getElementById("others-box"));
  return {
    otherTable(name, data) {
      others.apply(name, data);
      others.render(getLive().state);
    },
    presence(payload) {
      renderPresence(document.getElementById("presence"), payload.people || [], {
        strings,
        selfId: (getLive().socket.id || "").slice(0, 8),
      });
    },
    disconnected() {
      document.getElementById("presence").textContent = strings.presenceOffline;
    },
    connected() {
      const name = displayName.get();
      if (name) getLive().emitVolatile("presence:hello", { name });
    },
    readonly(readOnly) {
      setReadOnly(readOnly || getLive().revoked);
    },
    change() {
      render();
      others.render(getLive().state);
    },
  };
}
