"""The outside world: database tables and repositories, platform SDKs, the LLM."""
