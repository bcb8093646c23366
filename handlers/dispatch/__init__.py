"""The dispatcher: one event in, everything in one unit of work — the office's router for staff business,
the citizen conversation otherwise — and what happens to an event that could not be handled."""
