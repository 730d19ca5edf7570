// The participant's page (on a phone): add entries to the own table, see the table's live.

import { horizonLetters } from "./bollen-layout.js";
import { EntryList } from "./entries.js";
import { changedSince, onWidthChange, setupNameForm, tableHandlers } from "./table-page.js";
import { setupEntryForm } from "./entry-form.js";
import { EntryNumbers, MyEntries } from "./entry-numbers.js";
import { LiveClient } from "./live.js";
import { roundField } from "./round-box.js";
import { failedActions } from "./unsaved.js";
import { registerServiceWorker } from "./offline-page.js";
import { displayName } from "./outbox.js";
import { renderDiagram } from "./table-diagram.js";
import { setupUndoBar, stripView } from "./undo-bar.js";
import { attachVoteCard } from "./vote-card.js";
import { format, readJSON, uuid } from "./util.js";

const data = readJSON("page-data");
const strings = readJSON("capture-strings");
const snapshot = data.snapshot;
const template = snapshot.meeting.template;
const scope = `${snapshot.meeting.slug}:${snapshot.table}`;
const numbers = new EntryNumbers(scope);
const mine = new MyEntries(scope);
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

const votes = attachVoteCard(live);
const list = new EntryList(document.getElementById("entry-list"), {
  template,
  strings,
  // the entries this device added (the server's tag of its key), and its own not yet saved
  editable: (entry) => (entry.author ? entry.author === live.author : Boolean(entry.pending && mine.has(entry.id))),
  onUpdate: (id, changes) => live.send("entry:update", { id, ...changes }),
  onDelete: (entry) => {
    live.send("entry:delete", { id: entry.id }, { entry: stripView(entry) });
    undo.show(entry);
  },
  mine,
  max: data.limits.entry_text,
  countElement: document.getElementById("entry-count"),
  onFailed: (...args) => onFailed(...args),
});
const onFailed = failedActions(() => live, list, document.getElementById("entry-form"));
list.setLetters(horizonLetters(template.horizons));
const undo = setupUndoBar(document.getElementById("undo-bar"), {
  getLive: () => live,
  strings,
  focusAfter: document.getElementById("entry-text"),
});

setupEntryForm(document.getElementById("entry-form"), {
  strings,
  max: data.limits.entry_text,
  onAdd: ({ text, bollen, horizons }) => {
    const id = uuid();
    mine.add(id);
    live.send("entry:add", { id, text, bollen, horizons, ...roundField(live.state.meeting) });
    list.highlight(id, document.getElementById("entry-form"));
    return id;
  },
  describe: (id, text) => format(strings.addedAs, { n: numbers.numberOf(id), text }),
});

setupNameForm(document.getElementById("name-form"), {
  initial: displayName.get(),
  onName(name) {
    displayName.set(name);
    live.emitVolatile("presence:hello", { name });
  },
});

function render() {
  votes.render();
  const view = live.view();
  // which entries are this device's is known once the server's snapshot came
  const [changed, signature] = changedSince(drawn, [live.author, view.entries]);
  if (!changed) return;
  drawn = signature;
  // someone else's entry waiting for the rapporteur's approval is not shown here
  const entries = numbers.apply(view.entries.filter((e) => !e.waiting || mine.has(e.id)));
  list.render(entries);
  // a refused entry is in the list (with its reason), not in the circles: it is not saved
  const saved = entries.filter((e) => !(e.failed && e.failed.event === "entry:add") && !e.waiting);
  renderDiagram(document.querySelector("#diagram .diagram-svg"), template, saved, {
    strings,
    tableNumber: snapshot.table,
    key: document.getElementById("diagram-key"),
  });
}

function setReadOnly(readOnly) {
  document.body.classList.toggle("is-closed", readOnly);
  document.querySelector("#entry-form > fieldset").disabled = readOnly;
  list.setReadOnly(readOnly);
  if (readOnly) undo.hide();
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
