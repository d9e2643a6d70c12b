-- Coordinators and invitations, the durable delivery queue, announcements, feedback.

CREATE TABLE coordinators (
    telegram_id INTEGER PRIMARY KEY,
    district    TEXT,                 -- NULL: the whole programme, otherwise a district code
    added_by    INTEGER,
    created_at  TEXT NOT NULL
);

CREATE TABLE invites (
    token      TEXT PRIMARY KEY,
    district   TEXT,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
);

CREATE TABLE broadcasts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by        INTEGER,               -- NULL: the command line
    audience          TEXT NOT NULL,         -- all | event:ID | event+wait:ID | district:CODE
    source_chat_id    INTEGER,               -- copyMessage source, or NULL for text
    source_message_id INTEGER,
    text              TEXT,                  -- HTML text (command line)
    status            TEXT NOT NULL DEFAULT 'queued',   -- queued | sending | done | stopped
    total             INTEGER NOT NULL DEFAULT 0,
    status_chat_id    INTEGER,               -- the coordinator's progress message
    status_message_id INTEGER,
    created_at        TEXT NOT NULL,
    finished_at       TEXT
);

-- Every message the bot sends on its own goes through here (see bot/delivery.py).
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key    TEXT NOT NULL UNIQUE,
    chat_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,             -- reminder | notice | feedback | promotion | broadcast
    payload      TEXT NOT NULL DEFAULT '{}',
    priority     INTEGER NOT NULL DEFAULT 0,   -- higher first
    not_before   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',  -- pending | sending | sent | failed | dropped
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    event_id     TEXT,
    broadcast_id INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX outbox_due ON outbox(status, not_before);
CREATE INDEX outbox_chat ON outbox(chat_id, status);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status);

CREATE TABLE feedback (
    event_id       TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(telegram_id) ON DELETE CASCADE,
    answers        TEXT NOT NULL DEFAULT '{}',   -- question id -> value
    created_at     TEXT NOT NULL,
    PRIMARY KEY (event_id, participant_id)
);
