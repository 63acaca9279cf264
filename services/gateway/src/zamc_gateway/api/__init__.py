"""REST API of the gateway: one router module per resource, mounted under /api/v1 by `app.py`."""
