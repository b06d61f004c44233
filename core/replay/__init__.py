"""Replay: stored rows turned into facts (`facts`), folded per province and period, up to a moment
of knowledge (`fold`: `--as-of`)."""
