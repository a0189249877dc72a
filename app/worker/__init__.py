"""`flask worker`: the slow work taken off the request (today: outbox mail delivery)."""
