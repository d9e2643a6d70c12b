-- Operations (issue 11): the backups the bot and `python -m bot backup` took, so that
-- `python -m bot status` (and /healthz) can say when the last one was made.

CREATE TABLE backups (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    path      TEXT NOT NULL,             -- where the copy was written (absolute)
    size      INTEGER NOT NULL,          -- bytes
    taken_at  TEXT NOT NULL,             -- the moment the copy was started (UTC)
    scheduled INTEGER NOT NULL DEFAULT 0 -- 1: the daily job, 0: the command line
);
CREATE INDEX backups_taken_at ON backups(taken_at);
