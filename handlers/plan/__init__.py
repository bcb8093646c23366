"""The commune plan: its task list and the units' recurring reports, ``/nhiemvu`` for staff, and the
sweep that reminds the lead unit before each deadline."""
