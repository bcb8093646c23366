"""Settings, the composition root, the command line and the channel adapters (console, Telegram)."""
