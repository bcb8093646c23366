"""Channel-neutral use cases and the conversation engine. Imports nothing from any transport."""
