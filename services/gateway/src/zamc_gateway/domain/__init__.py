"""Pure logic and models: no I/O."""
