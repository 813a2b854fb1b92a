"""Store-and-forward sync: sealed bundles, outbox/inbox, center server, USB (next issue)."""
