"""Pure strategy logic: no I/O, unit-tested without servers."""
