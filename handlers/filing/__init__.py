"""Filing a petition: the citizen's steps from the menu to the receipt, looking up one's cases, answering the
office's request for more information, and a clerk entering a petition received on paper (``/nhaphoso``)."""
