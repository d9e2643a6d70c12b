"""Registration: the questionnaire, the service that takes seats, regions, calendar files,
drafts."""
