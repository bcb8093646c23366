"""The application, channel-neutral: it imports nothing from any transport. One room a layer, lowest first:
``kernel`` (events, replies, ports, the catalogue, text), ``cases`` (the cases core), then one folder a
feature (``filing``, ``conferences``, ``reception``, ``plan``, ``calendar``, ``subscriptions``, ``staff``,
``delivery``; ``broadcasts`` is a service they may use), and ``dispatch`` on top, which routes an event to the
citizen conversation or the office. ``lint-imports`` checks the layers (pyproject.toml)."""
