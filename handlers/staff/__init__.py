"""What coordinators and admins do: events, new event, edit, stats, coordinators, announcements."""
