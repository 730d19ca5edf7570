// The meeting's phase and the round timer, for any page: the screen, the chair, a table page.
//
// Markup: templates/screen/_meeting_status.html (it carries its own Dutch strings).
// Use:
//   const status = new MeetingStatus(document.getElementById("meeting-status"));
//   status.setServerTime(snapshot.server_time);   // corrects this device's clock
//   status.update(snapshot.meeting);              // and on every `meeting` event: data.meeting
//
// The countdown runs against the server's clock: a running timer has `ends_at` (UTC), a paused
// one `remaining` seconds. Screen readers hear the minutes (not every second) through a polite
// live region; an expired timer says "Tijd is om" in words, not only by colour.

import { renderRound } from "./round-box.js";
import { format } from "./util.js";

const TICK_MS = 250;
const LOW_SECONDS = 120;

/** Milliseconds to add to Date.now() to get the server's time (from a snapshot's server_time). */
export function clockOffset(serverTime, now = Date.now()) {
  const server = Date.parse(serverTime || "");
  return Number.isFinite(server) ? server - now : 0;
}

/**
 * The timer at a moment: {state: "idle"|"running"|"paused"|"expired", seconds, total}.
 * `seconds` are whole seconds left (rounded up while running, so 0 means the time is up).
 */
export function timerState(timer, now = Date.now(), offset = 0) {
  if (!timer || timer.total == null) return { state: "idle", seconds: null, total: null };
  if (timer.running && timer.ends_at) {
    const left = (Date.parse(timer.ends_at) - (now + offset)) / 1000;
    // never more than the timer's length: a clock a little behind the server's would say 40:01
    const seconds = Math.min(timer.total, Math.max(0, Math.ceil(left)));
    return { state: seconds > 0 ? "running" : "expired", seconds, total: timer.total };
  }
  const seconds = Math.max(0, Math.round(timer.remaining || 0));
  return { state: seconds > 0 ? "paused" : "expired", seconds, total: timer.total };
}

/** "mm:ss" (or "h:mm:ss" from an hour on). */
export function formatClock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${String(m).padStart(2, "0")}:${rest}`;
}

/** Whether a whole number of minutes left deserves a spoken announcement. */
export function announceAt(minutes) {
  return minutes > 0 && (minutes <= 5 || minutes % 5 === 0);
}

/** The phase and timer of a meeting, rendered into the _meeting_status.html markup. */
export class MeetingStatus {
  constructor(root, { offset = 0, strings = null, onChange = null } = {}) {
    this.root = root;
    this.strings = strings || JSON.parse(root.dataset.strings || "{}");
    this.offset = offset;
    this.onChange = onChange;
    this.meeting = null;
    this.parts = {};
    for (const el of root.querySelectorAll("[data-part]")) this.parts[el.dataset.part] = el;
    this.timer = null;
    this.shown = null; // what the clock shows now, to touch the DOM only when it changes
    this.lastMinutes = null;
    this.lastState = null;
  }

  /** Correct this device's clock with the server_time of a snapshot. */
  setServerTime(serverTime) {
    this.offset = clockOffset(serverTime);
    this.tick();
  }

  setOffset(offset) {
    this.offset = offset || 0;
    this.tick();
  }

  /** A meeting state (snapshot `meeting` or the `meeting` of a `meeting` event). */
  update(meeting) {
    const before = this.meeting;
    this.meeting = { ...(before || {}), ...meeting };
    const phase = this.meeting.phase;
    this.root.dataset.phase = phase || "";
    const label = (this.strings.phases || {})[phase] || phase || "";
    if (this.parts.phase && this.parts.phase.textContent !== label) this.parts.phase.textContent = label;
    if (before && before.phase !== phase) this.announce(format(this.strings.phaseNow, { phase: label }));
    renderRound(this.meeting, this.root.ownerDocument); // a table page's round and its question
    this.tick(Boolean(before));
    const state = timerState(this.meeting.timer, Date.now(), this.offset).state;
    if (state === "running" && !this.timer) {
      this.timer = setInterval(() => this.tick(true), TICK_MS);
    } else if (state !== "running" && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** The current timer state: {state, seconds, total}. */
  current() {
    return timerState(this.meeting && this.meeting.timer, Date.now(), this.offset);
  }

  tick(speak = false) {
    if (!this.meeting) return;
    const { state, seconds } = this.current();
    const s = this.strings;
    let clock = "";
    let note = "";
    if (state === "running") clock = formatClock(seconds);
    else if (state === "paused") {
      clock = formatClock(seconds);
      note = s.paused;
    } else if (state === "expired") clock = s.timeUp;
    const shown = `${state}|${clock}|${note}`;
    if (shown !== this.shown) {
      this.shown = shown;
      this.root.dataset.timer = state;
      this.root.dataset.low = String(state === "running" && seconds <= LOW_SECONDS);
      if (this.parts["timer-box"]) this.parts["timer-box"].hidden = state === "idle";
      if (this.parts.clock) this.parts.clock.textContent = clock;
      if (this.parts.note) this.parts.note.textContent = note;
      if (this.onChange) this.onChange({ state, seconds });
    }
    this.speak(state, seconds, speak);
  }

  /** Tell screen readers the minutes (at 5-minute marks and in the last five), and the end. */
  speak(state, seconds, allowed) {
    const minutes = state === "running" ? Math.ceil(seconds / 60) : null;
    const s = this.strings;
    if (allowed && state !== this.lastState) {
      if (state === "expired") this.announce(s.timeUp);
      else if (state === "paused") this.announce(format(s.timerPaused, { time: formatClock(seconds) }));
      else if (state === "idle") this.announce(s.timerStopped);
      else if (state === "running") this.announce(this.minutesText(minutes));
    } else if (allowed && state === "running" && minutes !== this.lastMinutes && announceAt(minutes)) {
      this.announce(this.minutesText(minutes));
    }
    this.lastState = state;
    this.lastMinutes = minutes;
  }

  minutesText(minutes) {
    const s = this.strings;
    if (minutes <= 0) return s.timeUp;
    if (minutes === 1) return s.oneMinuteLeft;
    return format(s.minutesLeft, { n: minutes });
  }

  announce(text) {
    const region = this.parts.announce;
    if (!region || !text) return;
    region.textContent = text;
  }

  destroy() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
