"""The administrator's Settings page: every setting in force, read-only."""
