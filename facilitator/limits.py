"""The limits and the languages: plain data with no imports, so that the annex's render child
(which imports no Flask) can use them. ``rules`` re-exports both for the rest of the app."""

# Limits, documented in sessions/README.md, README.md and docs/protocol.md.
LIMITS = {
    # a meeting (session file and the secretariat's form)
    "title": 200,  # characters
    "start": 20,
    "meeting_text": 500,
    "questions": 10,
    "rounds": 12,  # [[rounds]] of one meeting
    "question": 1000,
    "tables": 200,
    "table_number": 999,
    "round_minutes": 600,
    "label": 80,
    "key": 40,
    "bollen_min": 2,
    "bollen_max": 8,
    "horizons_min": 1,
    "horizons_max": 6,
    # a table
    "participants": 50,
    "name": 120,  # characters of a person's name
    "report": 100_000,  # characters of report text
    "entry_text": 500,  # characters
    "entries": 500,
    # the live protocol
    "report_update": 256 * 1024,  # bytes of one CRDT update (decoded)
    "op_id": 64,  # characters of an operation id
    "events_per_second": 20,  # sustained, per connection
    "burst": 60,  # events a connection may send at once (e.g. after a reconnect)
    "replay": 500,  # events a `sync` returns before it answers with a snapshot instead
    "timer_minutes": 600,  # a timer start or extension
    "screen_page": 999,  # the page of a long report or list the chair's screen shows
    "budget_window": 600,  # seconds: the storage budget of one link (below) counts this far back
}

# bytes of a report's stored CRDT state: 4 × its characters (UTF-8 and the CRDT's bookkeeping)
LIMITS["report_state"] = 4 * LIMITS["report"]

# a meeting's language: its annex, minutes, table cards and screen (the first is the default)
LANGUAGES = ("nl", "en")
