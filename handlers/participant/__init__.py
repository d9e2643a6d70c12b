"""What a participant does: start, events, registration, questionnaire, my, profile, feedback."""
