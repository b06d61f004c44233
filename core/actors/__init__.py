"""Actors (CONTRACT.md §3): who may record what in an enforcing store, and the signatures that prove it."""
