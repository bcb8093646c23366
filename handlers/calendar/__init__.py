"""The commune's working calendar from the chat (``/lichnghi``): days off and working days set by an admin."""
