"""Citizens' subscriptions (``/dangky``): the notices they opt in to, for the villages they choose."""
