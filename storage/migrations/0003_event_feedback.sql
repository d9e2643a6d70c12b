-- Reminders, change notices and feedback: an event's own feedback questions (JSON in the
-- questionnaire format, NULL for the standard 1-5 rating and comment).

ALTER TABLE events ADD COLUMN feedback TEXT;
