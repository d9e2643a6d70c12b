"""Competitive selection in the chat (issue 9): applying and reviewing, the coordinator's
decisions, the applicants' confirmations."""
