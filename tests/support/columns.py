"""The column names the tests expect, written out once: the export's fixed columns and the ids
of the shipped questionnaire. They are literals on purpose (not imported from the code under
test), so a test that compares against them still checks what the code produces."""

from __future__ import annotations

EXPORT_FIXED_COLUMNS = [
    "event_id",
    "telegram_id",
    "username",
    "status",
    "waitlist_position",
    "registered_at",
]
SHIPPED_FORM_IDS = [
    "consent",
    "full_name",
    "organization",
    "position",
    "role",
    "region",
    "phone",
    "email",
]
#: Who came (issue 10), after the questionnaire's columns.
ATTENDANCE_COLUMNS = ["attended", "checked_in_at", "check_in_method"]
