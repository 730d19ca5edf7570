// The projector screen: every table live, in the view the chair chose.
//
// The screen link only follows: the view (mode, report-back table, filters) comes from the
// server's `meeting` state, so every open screen shows what the chair shows. On the chair's
// page, chair.js adds the controls and the keys on top of this.

import { MeetingStatus } from "./meeting-status.js";
import { MEETING_EVENTS, TABLE_EVENTS } from "./reducer.js";
import { renderVoteBanner } from "./screen-votes.js";
import { ScreenState, shownRound } from "./screen-state.js";
import { RENDERERS } from "./screen-views.js";
import { pageIndicator, showPage } from "./screen-pages.js";
import { openSocket } from "./socket.js";
import { isTypingTarget, readJSON, toggleFullscreen } from "./util.js";

const TOPICS_DELAY_MS = 2000; // re-count the topics at most this often while tables type
const ACTIVITY_REFRESH_MS = 5000; // "wordt nu getypt" fades without an event
const DATA_RENDER_MS = 120; // coalesce bursts of entries and report keystrokes
const TOPICS_LIMIT = 30;
const PAGE_KEYS = { PageDown: 1, ArrowRight: 1, ArrowDown: 1, " ": 1, PageUp: -1, ArrowLeft: -1, ArrowUp: -1 };
// the views that get pages when they do not fit: the paged box and its "1/3"
const PAGED = {
  combined: ["combined-list", "combined-pages"],
  topics: ["topics-across", "topics-pages"],
  feedback: ["feedback-flow", "feedback-pages"],
  groups: ["groups-list", "groups-pages"],
  priorities: ["priorities-board", "priorities-pages"],
};

export class ScreenApp {
  constructor() {
    this.data = readJSON("page-data");
    this.strings = readJSON("screen-strings");
    this.chair = this.data.role === "chair";
    this.state = new ScreenState(this.data.snapshot, this.data.presence);
    this.overlay = null; // the chair's own change while it is on its way (see chair.js)
    this.topics = null;
    this.topicsAt = null;
    this.topicsTimer = null;
    this.renderTimer = null;
    this.rendered = {};
    this.page = 0; // the page of a long list or report, from 0
    this.pages = 1;
    this.pageKey = null;
    this.followed = null; // the page of the chair's screen (meeting.view.page) last followed
    this.onPage = null; // the chair's page: called with the page after the chair paged
    this.hooks = [renderVoteBanner]; // run after every render (the chair adds its own)
    this.timerHooks = [];
    this.connectionEl = document.getElementById("connection");
    this.messageEl = document.getElementById("screen-message");
    this.status = new MeetingStatus(document.getElementById("meeting-status"), {
      onChange: (timer) => this.timerHooks.forEach((hook) => hook(timer)),
    });
    this.status.setServerTime(this.data.snapshot.server_time);
    this.status.update(this.meeting());
  }

  /** The meeting as shown: the server's state, with the chair's pending change on top. */
  meeting() {
    return this.overlay ? { ...this.state.meeting, ...this.overlay } : this.state.meeting;
  }

  start() {
    this.render();
    const meeting = this.data.snapshot.meeting.slug;
    this.socket = openSocket(this.data.namespace, this.data.token, { meeting });
    this.socket.on("connect", () => this.setConnection("connected"));
    this.socket.on("disconnect", () => this.setConnection("offline"));
    this.socket.on("connect_error", () => {
      // refused by the server (unknown or revoked token): socket.io will not retry by itself
      if (!this.socket.active) this.revoked();
      else this.setConnection("offline");
    });
    this.socket.on("revoked", () => this.revoked());
    this.socket.on("snapshot", (data) => this.onSnapshot(data));
    // the secretariat changed the meeting, or the server missed events: a fresh snapshot
    this.socket.on("refresh", () => this.resync());
    for (const name of [...TABLE_EVENTS, ...MEETING_EVENTS, "presence"]) {
      this.socket.on(name, (data) => this.onEvent(name, data));
    }
    this.socket.on("meeting", (data) => {
      if (this.state.applyMeeting(data.meeting, data.seq)) this.meetingChanged();
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    window.addEventListener("resize", () => this.requestRender(true));
    setInterval(() => {
      if (this.mode() === "overview") this.requestRender();
    }, ACTIVITY_REFRESH_MS);
  }

  mode() {
    const view = this.meeting().view || {};
    return RENDERERS[view.mode] ? view.mode : "overview";
  }

  setConnection(state) {
    const el = this.connectionEl;
    el.dataset.state = state;
    el.querySelector(".label").textContent = state === "connected" ? this.strings.connected : this.strings.offline;
    document.documentElement.dataset.live = state;
  }

  /** Connect again for a fresh snapshot (the chair's changes on their way are answered or time out). */
  resync() {
    this.socket.disconnect();
    this.setConnection("offline");
    this.socket.connect();
  }

  revoked() {
    this.setConnection("offline");
    this.messageEl.textContent = this.strings.revoked;
    this.messageEl.hidden = false;
    this.socket.disconnect();
  }

  onSnapshot(data) {
    this.state.load(data);
    this.status.setServerTime(data.server_time);
    this.fetchPresence();
    this.requestTopics(0);
    this.meetingChanged();
  }

  onEvent(name, data) {
    this.state.apply(name, data);
    if (name === "entry" || name === "entry:deleted" || name === "report") this.requestTopics(TOPICS_DELAY_MS);
    this.requestRender();
  }

  /** Who is connected at each table: the snapshot does not carry it, so ask once per (re)connect. */
  fetchPresence() {
    const since = Date.now();
    fetch(this.data.presenceUrl, { cache: "no-store", credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (!body) return;
        this.state.setPresence(body.tables, since);
        this.requestRender();
      })
      .catch(() => {});
  }

  /** Ask the server for the recurring topics, at most once per delay (a burst makes one request). */
  requestTopics(delay) {
    if (this.topicsTimer !== null) {
      if (delay > 0) return;
      clearTimeout(this.topicsTimer);
    }
    this.topicsTimer = setTimeout(() => {
      this.topicsTimer = null;
      if (!this.socket || !this.socket.connected) return;
      const round = shownRound(this.meeting());
      this.topicsRound = round;
      const query = round === null ? { limit: TOPICS_LIMIT } : { limit: TOPICS_LIMIT, round };
      this.socket.timeout(10000).emit("topics:get", query, (err, ack) => {
        if (err || !ack || !ack.ok) return;
        this.topics = ack.topics;
        this.topicsAt = Date.now();
        if (this.mode() === "topics") this.requestRender(true);
      });
    }, delay);
  }

  /** The meeting state changed (an event, a snapshot or the chair's own change). */
  meetingChanged() {
    this.status.update(this.meeting());
    // another round on the screens: its recurring topics
    if (this.topicsRound !== undefined && shownRound(this.meeting()) !== this.topicsRound) this.requestTopics(0);
    this.requestRender(true);
  }

  requestRender(urgent = false) {
    if (this.renderTimer !== null) {
      if (!urgent) return;
      clearTimeout(this.renderTimer);
    }
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, urgent ? 0 : DATA_RENDER_MS);
  }

  render() {
    const meeting = this.meeting();
    const mode = this.mode();
    const focusKey = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.focusKey
      : null;
    const views = document.querySelector(".views");
    views.dataset.mode = mode;
    document.body.dataset.mode = mode;
    for (const section of views.querySelectorAll(":scope > .view")) {
      section.hidden = section.id !== `view-${mode}`;
    }
    const ctx = {
      state: this.state,
      meeting,
      strings: this.strings,
      chair: this.chair,
      topics: this.topics,
      topicsAt: this.topicsAt,
    };
    // another view, table or filter starts at its first page
    const pageKey = JSON.stringify([mode, meeting.view && meeting.view.current, meeting.view && meeting.view.filters]);
    if (pageKey !== this.pageKey) this.page = 0;
    // every screen shows the page the chair's screen shows (as far as it has that many)
    const chairPage = (meeting.view && meeting.view.page) || 0;
    if (pageKey !== this.pageKey || chairPage !== this.followed) this.page = chairPage;
    this.followed = chairPage;
    this.pageKey = pageKey;
    const result = RENDERERS[mode](ctx, this.rendered);
    this.showPage();
    this.rendered = { mode, current: mode === "feedback" ? result : this.rendered.current };
    for (const hook of this.hooks) hook(ctx);
    // a redraw replaces the buttons in the views: keep the keyboard focus where it was
    if (focusKey && (!document.activeElement || document.activeElement === document.body)) {
      const again = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
  }

  /** Show this.page of the view's paged box (if it has one) and its "1/3". */
  showPage() {
    const [boxId, indicatorId] = PAGED[this.mode()] || [];
    const box = boxId ? document.getElementById(boxId) : null;
    const shown = box ? showPage(box, this.page) : { page: 0, pages: 1 };
    this.page = shown.page;
    this.pages = shown.pages;
    if (indicatorId) pageIndicator(document.getElementById(indicatorId), shown, this.strings);
  }

  /** Page on (+1) or back (-1) in the view; false when there is no page that way. */
  pageBy(delta) {
    const next = this.page + delta;
    if (next < 0 || next >= this.pages) return false;
    this.page = next;
    this.showPage();
    if (this.onPage) this.onPage(this.page);
    return true;
  }

  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTypingTarget(event.target)) return;
    // on the screen link the clicker pages (on the chair's page chair.js pages, then steps)
    if (!this.chair && PAGE_KEYS[event.key]) {
      if (this.pageBy(PAGE_KEYS[event.key])) event.preventDefault();
      return;
    }
    if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFullscreen();
    }
  }
}

const app = new ScreenApp();
window.facilitatorScreen = app; // for a person debugging at the venue (and the tests)
// The chair's controls are in place before the page connects: "connected" means the keys and
// the clicker work (a key pressed in between would be lost). Should the module not load, the
// page still shows the meeting.
if (app.chair) {
  import("./chair.js")
    .then((module) => module.attachChair(app))
    .catch(() => {})
    .finally(() => app.start());
} else {
  app.start();
}
