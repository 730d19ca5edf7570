// Generated from facilitator/live (python -m facilitator.live.contract > static/js/protocol.js):
// the live protocol's names, refusal kinds, limits and attendance rule. Do not edit.

export const CLIENT_EVENTS = ["chair:feedback-order", "chair:phase", "chair:round", "chair:timer", "chair:view", "chair:vote", "entry:add", "entry:approve", "entry:delete", "entry:hide", "entry:restore", "entry:update", "feedback:spokesperson", "feedback:update", "group:set", "groups:suggest", "presence:hello", "report:update", "sync", "table:ready", "table:update", "topics:get", "vote:cast"];
export const SERVER_EVENTS = ["entry", "entry:deleted", "feedback", "group", "meeting", "presence", "ready", "refresh", "report", "revoked", "snapshot", "table", "vote", "vote:tally"];
export const REFUSALS = ["invalid", "forbidden", "not_found", "too_large", "closed"];
export const RETRYABLE = ["rate_limited", "unavailable"];
export const ERROR_CODES = ["invalid", "forbidden", "not_found", "too_large", "closed", "rate_limited", "unavailable", "out_of_sync"];
export const LIMITS = {"bollen_max": 8, "bollen_min": 2, "budget_window": 600, "burst": 60, "entries": 500, "entry_text": 500, "events_per_second": 20, "horizons_max": 6, "horizons_min": 1, "key": 40, "label": 80, "meeting_text": 500, "name": 120, "op_id": 64, "participants": 50, "question": 1000, "questions": 10, "replay": 500, "report": 100000, "report_state": 400000, "report_update": 262144, "round_minutes": 600, "rounds": 12, "screen_page": 999, "start": 20, "table_number": 999, "tables": 200, "timer_minutes": 600, "title": 200};
export const ATTENDANCE_FIELDS = ["participants", "leader", "rapporteur", "spokesperson"];
export const SEATED_ROLES = ["leader", "spokesperson"];
export const VOTE_LIMITS = {"dots": 10, "items": 40};
