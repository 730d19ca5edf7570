// The chair's controls on top of the screen: views, the report-back (keys and clicker),
// the order, phases, the timer, filters and hiding entries.
//
// Every control sends a chair event with a fresh op id; the server keeps the result, so a
// chair whose laptop drops out loses nothing and a second chair device takes over. While a
// change is on its way, the page shows it already (an overlay over the server's state), so
// that quick presses of the clicker step on from where the chair is, not from where the
// server was.

import { attachGroups } from "./chair-groups.js";
import { attachRounds } from "./chair-rounds.js";
import { attachVotes } from "./chair-votes.js";
import { canStep, stepReportBack } from "./feedback-rounds.js";
import { feedbackPosition } from "./screen-feedback.js";
import { moveInOrder, shownRound } from "./screen-state.js";
import { format, h, isTypingTarget, uuid } from "./util.js";

const ACK_MS = 10000;
const MESSAGE_MS = 8000;
const PANEL_KEY = "facilitator:chair-panel";
const MODE_KEYS = { 1: "overview", 2: "combined", 3: "topics", 4: "coverage", 5: "feedback", 6: "groups", 7: "priorities" };

export function attachChair(app) {
  return new ChairControls(app);
}

class ChairControls {
  constructor(app) {
    this.app = app;
    this.strings = app.strings;
    this.pending = 0;
    this.panel = document.getElementById("chair-panel");
    this.messageEl = document.getElementById("chair-message");
    this.orderList = document.getElementById("order-list");
    this.currentEl = document.getElementById("ctl-current");
    this.toggle = document.getElementById("panel-toggle");
    this.minutes = document.getElementById("timer-minutes");
    this.filterForm = document.getElementById("filter-form");

    this.panel.addEventListener("click", (event) => this.onPanelClick(event));
    document.getElementById("timer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.startTimer();
    });
    this.filterForm.addEventListener("change", () => this.sendFilters());
    this.filterForm.addEventListener("submit", (event) => event.preventDefault());
    this.toggle.addEventListener("click", () => this.setPanel(!document.body.classList.contains("panel-open")));
    // hide/show buttons live in the views, which are redrawn: listen on the document
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("[data-hide-entry]");
      if (button) this.hideEntry(button.dataset.hideEntry, button.dataset.hidden === "true");
    });
    document.addEventListener("keydown", (event) => this.onKey(event));

    this.setPanel(readPanelPreference(), false);
    app.onPage = (page) => this.sendPage(page);
    app.hooks.push(() => this.render());
    app.timerHooks.push(() => this.renderTimer());
    attachRounds(this);
    attachGroups(this);
    attachVotes(this);
    this.render();
  }

  // ------------------------------------------------------------------ sending

  /** Send a chair event; `overlay` is what the page shows until the server has answered. */
  send(event, payload, overlay = null, { onFail = null, onAck = null } = {}) {
    const socket = this.app.socket;
    if (!socket || !socket.connected) {
      this.message(this.strings.chairOffline);
      return false;
    }
    if (overlay) this.app.overlay = { ...(this.app.overlay || {}), ...overlay };
    this.pending += 1;
    this.app.meetingChanged();
    socket.timeout(ACK_MS).emit(event, { ...payload, op: uuid() }, (err, ack) => {
      this.pending -= 1;
      if (err || !ack) {
        this.message(this.strings.chairNoAnswer);
        if (onFail) onFail();
      } else if (!ack.ok) {
        this.message(ack.message || "");
        if (onFail) onFail();
      } else if (ack.meeting) {
        this.app.state.applyMeeting(ack.meeting, ack.seq);
      }
      if (ack && ack.ok && onAck) onAck(ack);
      if (this.pending === 0) this.app.overlay = null;
      this.app.meetingChanged();
    });
    return true;
  }

  message(text) {
    clearTimeout(this.messageTimer);
    this.messageEl.textContent = text || "";
    this.messageEl.hidden = !text;
    if (text) this.messageTimer = setTimeout(() => this.message(""), MESSAGE_MS);
  }

  /** Change what every screen shows (mode, current table, filters). */
  setView(change) {
    const view = this.app.meeting().view || {};
    const next = { ...view, page: 0, ...change }; // another view starts at its first page
    if (next.mode === view.mode && next.current === view.current && !("filters" in change)) return;
    this.send("chair:view", change, { view: next });
  }

  /** The chair paged a long report or list: every screen shows the same page. */
  sendPage(page) {
    const view = this.app.meeting().view || {};
    this.send("chair:view", { mode: view.mode || "overview", page }, { view: { ...view, page } });
  }

  setMode(mode) {
    this.setView({ mode });
  }

  /** A step of the report-back: "next", "prev", "first", "last"; or a table number. */
  step(kind) {
    const meeting = this.app.meeting();
    const order = this.app.state.feedbackOrder(meeting);
    const view = meeting.view || {};
    let target, round; // round: past a round's last table the next round's first (feedback-rounds.js)
    if (typeof kind === "number") target = kind;
    else if (view.mode !== "feedback" && view.current != null && (kind === "next" || kind === "prev")) {
      target = view.current; // back to the report-back where it was
    } else ({ current: target, round } = stepReportBack(meeting, order, kind));
    if (target == null) return;
    const filters = round === undefined ? {} : { filters: { ...(view.filters || {}), round } };
    this.setView({ mode: "feedback", current: target, ...filters });
  }

  setOrder(order) {
    const meeting = this.app.meeting();
    const view = meeting.view || {};
    const overlay = { feedback_order: order };
    if (view.current != null && !order.includes(view.current)) {
      overlay.view = { ...view, current: order.length ? order[0] : null };
    }
    this.send("chair:feedback-order", { order }, overlay);
  }

  setPhase(phase) {
    const meeting = this.app.meeting();
    this.send("chair:phase", { phase }, { phase });
    if (phase === "feedback" && (meeting.view || {}).mode !== "feedback") {
      // the screens go to the report-back with the phase (the server does this only the first time)
      const order = this.app.state.feedbackOrder(meeting);
      const current = (meeting.view || {}).current ?? (order.length ? order[0] : null);
      this.setView({ mode: "feedback", current });
    }
  }

  timer(action, minutes) {
    const payload = { action };
    if (minutes) payload.minutes = minutes;
    this.send("chair:timer", payload);
  }

  startTimer() {
    const value = Number(this.minutes.value);
    const max = Number(this.minutes.max) || 600;
    if (!Number.isInteger(value) || value < 1 || value > max) {
      this.message(format(this.strings.timerMinutesInvalid, { max }));
      this.minutes.focus();
      return;
    }
    this.timer("start", value);
  }

  sendFilters() {
    const form = this.filterForm;
    const tables = [...form.querySelectorAll("input[name=tables]:checked")].map((el) => Number(el.value));
    const horizons = [...form.querySelectorAll("input[name=horizons]:checked")].map((el) => el.value);
    const filters = {};
    if (tables.length) filters.tables = tables.sort((a, b) => a - b);
    if (horizons.length) filters.horizons = horizons;
    const round = form.querySelector("select[name=round]");
    if (round && round.value !== "") filters.round = Number(round.value); // 0: every round
    const mode = (this.app.meeting().view || {}).mode || "overview";
    this.setView({ mode, filters });
  }

  /** Hide an entry from the screens (or show it again); nothing is deleted. */
  hideEntry(id, hidden) {
    let found = null;
    for (const table of this.app.state.tables.values()) {
      if (table.entries.has(id)) found = table.entries.get(id);
    }
    if (!found) return;
    const before = Boolean(found.hidden);
    found.hidden = hidden; // shown at once; the server's `entry` event confirms it
    const sent = this.send("entry:hide", { id, hidden }, null, {
      onFail: () => {
        found.hidden = before;
      },
    });
    if (!sent) found.hidden = before;
    this.app.requestRender(true);
  }

  // ------------------------------------------------------------------ input

  onPanelClick(event) {
    const button = event.target.closest("button");
    if (!button || button.disabled) return;
    const d = button.dataset;
    if (d.mode) this.setMode(d.mode);
    else if (d.step) this.step(d.step);
    else if (d.phase) this.setPhase(d.phase);
    else if (d.timer === "toggle") this.timer(this.app.status.current().state === "paused" ? "resume" : "pause");
    else if (d.timer === "extend") this.timer("extend", 5);
    else if (d.timer === "reset") this.timer("reset");
    else if (d.order) this.onOrderButton(button);
  }

  onOrderButton(button) {
    const number = Number(button.closest("[data-table]").dataset.table);
    const meeting = this.app.meeting();
    const order = this.app.state.feedbackOrder(meeting);
    if (button.dataset.order === "up") this.setOrder(moveInOrder(order, number, -1));
    else if (button.dataset.order === "down") this.setOrder(moveInOrder(order, number, 1));
    else if (button.dataset.order === "show") this.step(number);
  }

  onSkipChange(input) {
    const number = Number(input.closest("[data-table]").dataset.table);
    const order = this.app.state.feedbackOrder(this.app.meeting());
    if (input.checked) this.setOrder(order.filter((n) => n !== number));
    else if (!order.includes(number)) this.setOrder([...order, number]);
  }

  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (isTypingTarget(target)) return;
    const onControl = target && target.closest && target.closest("button, a, summary, input, select, textarea, [tabindex]:not(main)");
    const key = event.key;
    let handled = true;
    // a long report or list pages first; past its last page the key steps to the next table
    if (key === "ArrowRight" || key === "PageDown") this.forward(1);
    else if (key === "ArrowLeft" || key === "PageUp") this.forward(-1);
    else if (key === " " || key === "Spacebar") {
      if (onControl) return; // space presses the focused button or ticks the box
      this.forward(event.shiftKey ? -1 : 1);
    } else if (key === "Home") this.step("first");
    else if (key === "End") this.step("last");
    else if (MODE_KEYS[key]) this.setMode(MODE_KEYS[key]);
    else if (key === "b" || key === "B") this.setPanel(!document.body.classList.contains("panel-open"));
    else handled = false;
    if (handled) event.preventDefault();
  }

  /** The clicker's next (+1) or previous (-1): a page of the view while it has one, else a table. */
  forward(delta) {
    if (!this.app.pageBy(delta)) this.step(delta > 0 ? "next" : "prev");
  }

  setPanel(open, remember = true) {
    document.body.classList.toggle("panel-open", open);
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.querySelector(".label").textContent = open ? this.strings.panelHide : this.strings.panelShow;
    document.getElementById("chair-panel-body").hidden = !open;
    if (remember) {
      try {
        localStorage.setItem(PANEL_KEY, open ? "open" : "closed");
      } catch {
        /* no storage: the panel opens next time */
      }
    }
  }

  // ------------------------------------------------------------------ drawing

  render() {
    const meeting = this.app.meeting();
    const view = meeting.view || {};
    for (const button of this.panel.querySelectorAll("[data-mode]")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === view.mode));
    }
    for (const button of this.panel.querySelectorAll("[data-phase]")) {
      button.setAttribute("aria-pressed", String(button.dataset.phase === meeting.phase));
    }
    this.renderCurrent(meeting);
    this.renderOrder(meeting);
    this.renderFilters(view.filters || {});
    this.renderTimer();
  }

  renderCurrent(meeting) {
    const s = this.strings;
    const { order, current, at } = feedbackPosition(this.app.state, meeting);
    let text = s.currentNone;
    const round = shownRound(meeting);
    if (current != null && at) text = format(round ? s.currentIsRound : s.currentIs, { n: current, at, total: order.length, round });
    else if (current != null) text = format(s.currentSkipped, { n: current });
    if (this.currentEl.textContent !== text) this.currentEl.textContent = text;
    const prev = this.panel.querySelector("[data-step=prev]");
    const next = this.panel.querySelector("[data-step=next]");
    prev.disabled = !canStep(meeting, order, "prev");
    next.disabled = !canStep(meeting, order, "next");
  }

  renderOrder(meeting) {
    const s = this.strings;
    const order = this.app.state.feedbackOrder(meeting);
    const skipped = this.app.state.skipped(meeting);
    const current = (meeting.view || {}).current;
    const ready = (n) => Boolean((this.app.state.table(n) || {}).ready);
    const signature = JSON.stringify([order, skipped, current, [...order, ...skipped].map(ready)]);
    if (signature === this.orderSignature) return;
    this.orderSignature = signature;
    const focusKey = document.activeElement && this.orderList.contains(document.activeElement)
      ? document.activeElement.dataset.focusKey
      : null;
    const row = (number, index) => {
      const inOrder = index !== null;
      const skip = h("input", {
        type: "checkbox",
        dataset: { focusKey: `skip-${number}` },
        "aria-label": format(s.skipLabel, { n: number }),
      });
      skip.checked = !inOrder;
      skip.addEventListener("change", () => this.onSkipChange(skip));
      return h(
        "li",
        { class: `order-row${inOrder ? "" : " skipped"}${number === current ? " current" : ""}`, dataset: { table: String(number) } },
        h("span", { class: "pos", "aria-hidden": "true" }, inOrder ? `${index + 1}.` : "–"),
        h(
          "span",
          { class: "name" },
          format(s.table, { n: number }),
          number === current ? h("span", { class: "visually-hidden" }, ` (${s.current})`) : null,
          ready(number) ? h("span", { class: "ready-mark" }, h("span", { "aria-hidden": "true" }, " ✓"), ` ${s.readyShort}`) : null,
        ),
        h("button", {
          type: "button", class: "icon", dataset: { order: "up", focusKey: `up-${number}` },
          "aria-label": format(s.moveUp, { n: number }), disabled: !inOrder || index === 0,
        }, "↑"),
        h("button", {
          type: "button", class: "icon", dataset: { order: "down", focusKey: `down-${number}` },
          "aria-label": format(s.moveDown, { n: number }), disabled: !inOrder || index === order.length - 1,
        }, "↓"),
        h("label", { class: "skip" }, skip, ` ${s.skip}`),
        h("button", {
          type: "button", class: "show", dataset: { order: "show", focusKey: `show-${number}` },
          "aria-label": format(s.showTableLabel, { n: number }),
        }, s.showTable),
      );
    };
    this.orderList.replaceChildren(...order.map((n, i) => row(n, i)), ...skipped.map((n) => row(n, null)));
    if (focusKey) {
      const again = this.orderList.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      // a button that became disabled (the top row moved up) cannot keep the focus: take its row's other arrow
      if (again && !again.disabled) again.focus();
      else if (again) {
        const sibling = again.parentElement.querySelector("button:not([disabled])");
        if (sibling) sibling.focus();
      }
    }
  }

  renderFilters(filters) {
    for (const input of this.filterForm.querySelectorAll("input[name=tables]")) {
      input.checked = (filters.tables || []).includes(Number(input.value));
    }
    for (const input of this.filterForm.querySelectorAll("input[name=horizons]")) {
      input.checked = (filters.horizons || []).includes(input.value);
    }
    const round = this.filterForm.querySelector("select[name=round]");
    if (round) round.value = filters.round == null ? "" : String(filters.round);
  }

  renderTimer() {
    const { state } = this.app.status.current();
    const toggle = this.panel.querySelector("[data-timer=toggle]");
    const paused = state === "paused";
    const label = paused ? this.strings.resume : this.strings.pause;
    if (toggle.textContent !== label) toggle.textContent = label;
    toggle.disabled = state === "idle" || state === "expired";
    this.panel.querySelector("[data-timer=extend]").disabled = state === "idle";
    this.panel.querySelector("[data-timer=reset]").disabled = state === "idle";
  }
}

function readPanelPreference() {
  try {
    return localStorage.getItem(PANEL_KEY) !== "closed";
  } catch {
    return true;
  }
}
