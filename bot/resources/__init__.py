"""Files shipped with the bot: the demo commune (``commune.phu-thinh.toml``), read with
``importlib.resources`` so that an installed ``nghedan`` finds it without a checkout.
``examples/commune.phu-thinh.toml`` in the repository is a link to this file, for the commands the
README shows."""
