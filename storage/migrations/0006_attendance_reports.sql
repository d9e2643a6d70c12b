-- Who came (issue 10): check-in by personal QR, room QR, online button, by hand, walk-ins;
-- door volunteers; certificates; the report each seminar and round table owes the federal centre.

ALTER TABLE events ADD COLUMN min_participants INTEGER;          -- NULL: the kind's minimum
ALTER TABLE events ADD COLUMN certificates INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN room_code TEXT;                    -- secret of the room QR link

-- One row per person who came. participant_id is NULL for a walk-in without Telegram, whose
-- name, organisation and region are typed by staff.
CREATE TABLE attendance (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES participants(telegram_id) ON DELETE CASCADE,
    name           TEXT,               -- walk-ins only
    organisation   TEXT,               -- walk-ins only
    region         TEXT,               -- walk-ins only
    method         TEXT NOT NULL,      -- qr | room | online | manual | walk_in
    checked_in_at  TEXT NOT NULL,
    checked_in_by  INTEGER,            -- staff or volunteer telegram id, NULL: self check-in
    UNIQUE (event_id, participant_id)
);
CREATE INDEX attendance_event ON attendance(event_id, checked_in_at);

CREATE TABLE volunteers (
    event_id    TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL,
    added_by    INTEGER,               -- NULL: the command line
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, telegram_id)
);
CREATE INDEX volunteers_person ON volunteers(telegram_id);

-- The report of an event: text and status; the files below.
CREATE TABLE reports (
    event_id     TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    text         TEXT,
    status       TEXT NOT NULL DEFAULT 'draft',   -- draft | submitted
    submitted_by INTEGER,
    submitted_at TEXT,
    reminded_at  TEXT,                            -- the last "report due" reminder
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE report_files (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,     -- sheet | photo | document
    file_id        TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    name           TEXT,
    size           INTEGER,
    path           TEXT,              -- relative to REPORTS_DIR once downloaded, else NULL
    added_by       INTEGER,
    created_at     TEXT NOT NULL,
    UNIQUE (event_id, file_unique_id)
);
