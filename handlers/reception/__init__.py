"""Citizen-reception days (lịch tiếp công dân): the schedule for citizens and staff, the office's changes to
it, and the sweep that flags a session on a day off and reminds subscribers."""
