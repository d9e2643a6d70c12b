-- Competitive selection (issue 9). An event with a `selection` block takes applications instead
-- of registrations: experts score them against weighted criteria, the coordinator decides and
-- publishes, accepted applicants confirm. Scoped roles (experts, door volunteers) are invited by
-- the same one-time links as coordinators.

-- JSON of bot.selection.config.SelectionSpec (seats, reserve, criteria, reviews_per_application,
-- confirm_days), NULL for an ordinary event.
ALTER TABLE events ADD COLUMN selection TEXT;
ALTER TABLE events ADD COLUMN review_opened_at TEXT;        -- reviewing opened before the deadline
ALTER TABLE events ADD COLUMN decisions_published_at TEXT;  -- set once, by the first publish

-- One per person and event; the answers live in `answers` under the event id (a `file` answer
-- is JSON {"file_id", "file_unique_id", "name", "size"}).
CREATE TABLE applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    participant_id   INTEGER NOT NULL REFERENCES participants(telegram_id) ON DELETE CASCADE,
    -- applied | withdrawn | accepted | confirmed | declined | expired | reserve | rejected
    status           TEXT NOT NULL DEFAULT 'applied',
    draft_decision   TEXT,              -- accepted | reserve | rejected, before publishing
    reserve_position INTEGER,           -- 1, 2, ... on the reserve list (draft and published)
    note             TEXT,              -- the coordinator's optional words to this applicant
    submitted_at     TEXT NOT NULL,     -- first submission: breaks ties in the ranking
    updated_at       TEXT NOT NULL,
    decided_at       TEXT,              -- when the applicant was told their current status
    confirm_by       TEXT,              -- accepted: the deadline to confirm
    confirmed_at     TEXT,
    UNIQUE (event_id, participant_id)
);
CREATE INDEX applications_event_status ON applications(event_id, status);

CREATE TABLE experts (
    event_id    TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    telegram_id INTEGER NOT NULL,
    added_by    INTEGER,               -- NULL: the command line
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, telegram_id)
);
CREATE INDEX experts_person ON experts(telegram_id);

-- An expert's verdict on one application: scores (criterion id -> integer 0..max) and a
-- comment, or a recusal (conflict of interest).
CREATE TABLE reviews (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    expert_id      INTEGER NOT NULL,
    scores         TEXT NOT NULL DEFAULT '{}',
    comment        TEXT,
    recused        INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (application_id, expert_id)
);
CREATE INDEX reviews_expert ON reviews(expert_id);

-- Invitations now carry a role: coordinator (district as before), expert or volunteer (one event).
ALTER TABLE invites ADD COLUMN role TEXT NOT NULL DEFAULT 'coordinator';
ALTER TABLE invites ADD COLUMN event_id TEXT REFERENCES events(id) ON DELETE CASCADE;
