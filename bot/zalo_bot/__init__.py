"""The Zalo Bot Platform channel (bot.zaloplatforms.com): a Telegram-like HTTP API without buttons."""
