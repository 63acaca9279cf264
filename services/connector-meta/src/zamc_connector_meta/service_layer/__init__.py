"""Use cases of connector-meta: keyword-only functions that tie the domain to the adapters."""
