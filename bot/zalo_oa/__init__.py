"""The Zalo Official Account channel (Open API v3, OAuth v4): what most communes already run."""

CHANNEL = "zalo_oa"
