"""The outside world: language models (and, later, the database)."""
