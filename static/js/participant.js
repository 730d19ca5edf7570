// The participant's page (on a phone): add entries to the own table, see the table's live.

import { horizonLetters } from "./bollen-layout.js";
import { EntryList, changedSince, onWidthChange, renderDiagram, setupEntryForm, setupNameForm, tableHandlers } from "./entries.js";
import { LiveClient } from "./live.js";
import { registerServiceWorker } from "./offline-page.js";
import { displayName } from "./outbox.js";
import { readJSON, uuid } from "./util.js";

const data = readJSON("page-data");
const strings = readJSON("capture-strings");
const snapshot = data.snapshot;
const template = snapshot.meeting.template;
let drawn = null;

const live = new LiveClient({
  token: data.token,
  namespace: data.namespace,
  snapshot,
  strings,
  handlers: {
    ...tableHandlers(() => live, strings, { setReadOnly, render }),
  },
});

const list = new EntryList(document.getElementById("entry-list"), {
  template,
  strings,
  editable: false,
  countElement: document.getElementById("entry-count"),
});
list.setLetters(horizonLetters(template.horizons));

setupEntryForm(document.getElementById("entry-form"), {
  strings,
  onAdd: ({ text, bollen, horizons }) => live.send("entry:add", { id: uuid(), text, bollen, horizons }),
});

setupNameForm(document.getElementById("name-form"), {
  initial: displayName.get(),
  onName(name) {
    displayName.set(name);
    live.emitVolatile("presence:hello", { name });
  },
});

function render() {
  const view = live.view();
  const [changed, signature] = changedSince(drawn, view.entries);
  if (!changed) return;
  drawn = signature;
  list.render(view.entries);
  renderDiagram(document.querySelector("#diagram .diagram-svg"), template, view.entries, {
    strings,
    tableNumber: snapshot.table,
  });
}

function setReadOnly(readOnly) {
  document.body.classList.toggle("is-closed", readOnly);
  document.querySelector("#entry-form > fieldset").disabled = readOnly;
  document.getElementById("closed-message").hidden = !(readOnly && live.closed);
}

live.outbox.onAdopt = () => {
  live.changed();
  live.pump();
};

render();
onWidthChange(() => {
  drawn = null;
  render();
});
setReadOnly(live.closed);
live.start();
registerServiceWorker(data.serviceWorker);
document.documentElement.dataset.ready = "1";
