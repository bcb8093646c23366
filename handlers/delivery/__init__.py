"""Delivering the outbox through each channel's sender: rate limits, people who block the bot or cannot be
reached for a while, and the messaging windows of channels that have them."""
