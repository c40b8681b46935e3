"""Fetching papers from live sources: a polite HTTP client, per-source requests, ``papershelf add``."""
