"""The delivery queue and what feeds it: the sender, reminders, change notices, announcements."""
