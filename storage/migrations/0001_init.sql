-- The registration foundation: participants, their answers, events, registrations, FSM.
-- All times are ISO 8601 strings in UTC ("2026-11-29T11:00:00+00:00").

CREATE TABLE participants (
    telegram_id       INTEGER PRIMARY KEY,
    first_name        TEXT NOT NULL DEFAULT '',
    username          TEXT,
    language          TEXT NOT NULL DEFAULT 'ru',
    language_chosen   INTEGER NOT NULL DEFAULT 0,   -- 1 once set with /language
    region            TEXT,                          -- region code, e.g. RU-SMO
    district          TEXT,                          -- federal district code, e.g. cfo
    timezone          TEXT,                          -- IANA zone of the region
    consent_at        TEXT,
    consent_version   TEXT,
    unreachable_since TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Profile answers have event_id = '' ; an event's own questions carry the event id.
CREATE TABLE answers (
    participant_id INTEGER NOT NULL REFERENCES participants(telegram_id) ON DELETE CASCADE,
    event_id       TEXT NOT NULL DEFAULT '',
    question_id    TEXT NOT NULL,
    value          TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (participant_id, event_id, question_id)
);

CREATE TABLE events (
    id                    TEXT PRIMARY KEY,
    title                 TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    district              TEXT,
    starts_at             TEXT NOT NULL,
    duration_minutes      INTEGER NOT NULL,
    location              TEXT,
    online_url            TEXT,
    capacity              INTEGER,
    registration_deadline TEXT,
    description           TEXT NOT NULL DEFAULT '',
    questions             TEXT NOT NULL DEFAULT '[]',   -- JSON, the questionnaire format
    reminders             TEXT,                          -- JSON list of offsets, or NULL
    status                TEXT NOT NULL DEFAULT 'scheduled',  -- scheduled | cancelled
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX events_starts_at ON events(starts_at);

CREATE TABLE registrations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(telegram_id) ON DELETE CASCADE,
    status         TEXT NOT NULL,            -- registered | waitlisted | cancelled
    registered_at  TEXT NOT NULL,            -- first confirmation
    queued_at      TEXT NOT NULL,            -- last time the person took a place or a queue slot
    cancelled_at   TEXT,
    updated_at     TEXT NOT NULL,
    UNIQUE (event_id, participant_id)
);
CREATE INDEX registrations_event_status ON registrations(event_id, status, queued_at, id);
CREATE INDEX registrations_participant ON registrations(participant_id);

CREATE TABLE fsm (
    key        TEXT PRIMARY KEY,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
