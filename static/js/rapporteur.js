// The rapporteur's page: entries in the bollen, the report "Verslag", attendance, presence.

import { horizonLetters } from "./bollen-layout.js";
import { EntryList } from "./entries.js";
import { changedSince, onWidthChange, renderPeople, setupNameForm, tableHandlers } from "./table-page.js";
import { setupEntryForm } from "./entry-form.js";
import { EntryNumbers } from "./entry-numbers.js";
import { LiveClient } from "./live.js";
import { roundField } from "./round-box.js";
import { failedActions } from "./unsaved.js";
import { registerServiceWorker } from "./offline-page.js";
import { displayName } from "./outbox.js";
import { RoundReports } from "./report-rounds.js";
import { renderDiagram } from "./table-diagram.js";
import { setupUndoBar, stripView } from "./undo-bar.js";
import { format, readJSON, uuid } from "./util.js";
import { attachVoteCard } from "./vote-card.js";

const data = readJSON("page-data");
const strings = readJSON("capture-strings");
const snapshot = data.snapshot;
const template = snapshot.meeting.template;
const numbers = new EntryNumbers(`${snapshot.meeting.slug}:${snapshot.table}`);

let editor = null;
let drawn = null;

const live = new LiveClient({
  token: data.token,
  namespace: data.namespace,
  snapshot,
  strings,
  handlers: {
    snapshot(fresh, seenBefore) {
      refreshAttendanceForm(false);
      // each round's report: the server's state replaces the queued updates, what it lacks is sent
      if (editor) editor.resync(fresh, seenBefore);
    },
    outOfSync(op, ack) {
      // a report update that builds on one the server never got (lost on the way): every
      // queued report update is in the document, so send instead everything the server
      // lacks according to its state vector, with the oldest base of what it replaces
      if (editor) editor.outOfSync(op, ack);
    },
    event(name, payload) {
      if (name === "report" && editor) editor.merge(payload);
      if (name === "table") refreshAttendanceForm(false);
    },
    acked(op) {
      if (op.event === "table:update") {
        attendanceStatus(strings.attendanceSaved);
        refreshAttendanceForm(true);
      }
    },
    ...tableHandlers(() => live, strings, { setReadOnly, render }),
  },
});

const votes = attachVoteCard(live);

// ------------------------------------------------------------------ entries

const list = new EntryList(document.getElementById("entry-list"), {
  template,
  strings,
  editable: true,
  max: data.limits.entry_text,
  countElement: document.getElementById("entry-count"),
  onUpdate: (id, changes) => live.send("entry:update", { id, ...changes }),
  onDelete: (entry) => {
    live.send("entry:delete", { id: entry.id }, { entry: stripView(entry) });
    undo.show(entry);
  },
  onFailed: (...args) => onFailed(...args),
  onApprove: (entry) => live.send("entry:approve", { id: entry.id }),
});
const onFailed = failedActions(() => live, list, document.getElementById("entry-form"));
list.setLetters(horizonLetters(template.horizons));

setupEntryForm(document.getElementById("entry-form"), {
  strings,
  max: data.limits.entry_text,
  onAdd: ({ text, bollen, horizons }) => {
    const id = uuid();
    live.send("entry:add", { id, text, bollen, horizons, ...roundField(live.state.meeting) });
    list.highlight(id, document.getElementById("entry-form"));
    return id;
  },
  describe: (id, text) => format(strings.addedAs, { n: numbers.numberOf(id), text }),
});

const undo = setupUndoBar(document.getElementById("undo-bar"), {
  getLive: () => live,
  strings,
  focusAfter: document.getElementById("entry-text"),
});

// ------------------------------------------------------------------ attendance

const attendanceForm = document.getElementById("attendance-form");
const participantsField = document.getElementById("att-participants");
const leaderField = document.getElementById("att-leader");
const spokespersonField = document.getElementById("att-spokesperson");
const rapporteurField = document.getElementById("att-rapporteur");

function names() {
  const seen = [];
  for (const line of participantsField.value.split("\n")) {
    const name = line.trim();
    if (name && !seen.includes(name)) seen.push(name);
  }
  return seen;
}

function fillSelect(select, options, value) {
  const current = value !== undefined ? value : select.value;
  const none = document.createElement("option");
  none.value = "";
  none.textContent = strings.none;
  const items = options.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    return option;
  });
  select.replaceChildren(none, ...items);
  select.value = options.includes(current) ? current : "";
}

/** Show the table's current attendance in the form (not while someone is editing it). */
function refreshAttendanceForm(force) {
  if (!force && attendanceForm.contains(document.activeElement)) return;
  const { info } = live.view();
  participantsField.value = (info.participants || []).join("\n");
  fillSelect(leaderField, info.participants || [], info.leader || "");
  fillSelect(spokespersonField, info.participants || [], info.spokesperson || "");
  rapporteurField.value = info.rapporteur || "";
}

function attendanceStatus(text) {
  const element = document.getElementById("attendance-status");
  element.textContent = text;
  element.hidden = !text;
}

participantsField.addEventListener("input", () => {
  const people = names();
  fillSelect(leaderField, people);
  fillSelect(spokespersonField, people);
});

attendanceForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const payload = {
    participants: names(),
    leader: leaderField.value || null,
    spokesperson: spokespersonField.value || null,
    rapporteur: rapporteurField.value.trim() || null,
  };
  attendanceStatus("");
  live.send("table:update", payload);
});

// ------------------------------------------------------------------ ready for the report-back

const readyButton = document.getElementById("ready-toggle");

/** The button and its line as the table's readiness will be once the pending change is in. */
function renderReady(ready) {
  readyButton.setAttribute("aria-pressed", ready ? "true" : "false");
  const status = document.getElementById("ready-status");
  const text = !ready
    ? strings.readyNot
    : ready === true
      ? strings.readySending
      : format(strings.readySince, { time: new Date(ready).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" }) });
  if (status.textContent !== text) status.textContent = text;
}

readyButton.addEventListener("click", () => {
  live.send("table:ready", { ready: readyButton.getAttribute("aria-pressed") !== "true" });
});

// ------------------------------------------------------------------ presence and name

setupNameForm(document.getElementById("name-form"), {
  initial: displayName.get(),
  onName(name) {
    displayName.set(name);
    live.emitVolatile("presence:hello", { name });
  },
});

// ------------------------------------------------------------------ drawing

function render() {
  votes.render();
  if (editor) editor.follow(live.state.meeting);
  const view = live.view();
  renderReady(view.ready);
  const [changed, signature] = changedSince(drawn, [view.entries, view.info]);
  if (!changed) return;
  drawn = signature;
  const entries = numbers.apply(view.entries);
  list.render(entries);
  // a refused entry is in the list (with its reason), not in the circles: it is not saved
  const saved = entries.filter((e) => !(e.failed && e.failed.event === "entry:add") && !e.waiting);
  renderDiagram(document.querySelector("#diagram .diagram-svg"), template, saved, {
    strings,
    tableNumber: snapshot.table,
    key: document.getElementById("diagram-key"),
  });
  renderPeople(document.getElementById("people"), view.info, strings);
}

function setReadOnly(readOnly) {
  document.body.classList.toggle("is-closed", readOnly);
  document.querySelector("#entry-form > fieldset").disabled = readOnly;
  attendanceForm.querySelector("fieldset").disabled = readOnly;
  readyButton.disabled = readOnly;
  document.getElementById("closed-message").hidden = !(readOnly && live.closed);
  if (editor) editor.setReadOnly(readOnly);
  list.setReadOnly(readOnly);
  if (readOnly) undo.hide();
}

// ------------------------------------------------------------------ start

live.outbox.onAdopt = (ops) => {
  for (const op of ops) {
    if (op.event === "report:update" && editor) editor.merge(op.payload);
  }
  live.changed();
  live.pump();
};

// the report "Verslag": of the round the table is in (a meeting held in rounds: one per round)
editor = new RoundReports({
  live,
  textarea: document.getElementById("report"),
  preview: document.getElementById("report-preview"),
  token: data.token,
  snapshot,
  chooser: document.getElementById("report-round"),
  notice: document.getElementById("report-round-notice"),
  strings,
});

render();
onWidthChange(() => {
  drawn = null;
  render();
});
setReadOnly(live.closed);
refreshAttendanceForm(true);
live.start();
registerServiceWorker(data.serviceWorker);
document.documentElement.dataset.ready = "1";

// "Naar verslag" / "Naar invuloefening": go there and put the cursor in it
for (const link of document.querySelectorAll(".page-nav a[data-focus]")) {
  link.addEventListener("click", (event) => {
    const target = document.getElementById(link.dataset.focus);
    if (!target) return;
    event.preventDefault();
    target.focus();
    history.replaceState(null, "", link.getAttribute("href"));
  });
}
