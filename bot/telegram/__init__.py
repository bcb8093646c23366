"""The Telegram channel on aiogram 3: updates in, Bot API calls out, polling or webhook."""
