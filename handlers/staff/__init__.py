"""The office's people: staff members and their roles, one-time invitations, linked staff groups."""
