"""Issue 10, items 5-7: certificates for those who came, the report each event owes the
federal centre, and the pack of reports for it."""
