-- Coordinator invitations expire (INVITE_TTL_DAYS) and can be revoked.
-- Invitations made before this migration get the default lifetime of 7 days from their
-- creation (the stored format: ISO 8601 in UTC with microseconds, as storage.db.to_db writes).
ALTER TABLE invites ADD COLUMN expires_at TEXT;
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
ALTER TABLE invites ADD COLUMN revoked_by INTEGER;
UPDATE invites SET expires_at = strftime('%Y-%m-%dT%H:%M:%f000+00:00', created_at, '+7 days')
    WHERE expires_at IS NULL;
CREATE INDEX invites_open ON invites (expires_at) WHERE used_by IS NULL AND revoked_at IS NULL;
