"""The conversation engine: an explicit, named state machine whose state lives in the database."""
