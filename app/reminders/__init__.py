"""Reminders of dates that must not slip: a provider's reply to an information request,
an examiner's review deadline."""
