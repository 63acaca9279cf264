"""ZAMC Grafana dashboards as code: small panel builders, one module per panel group.

`deploy/grafana/generate.py` writes the JSON files Grafana provisions; a test checks
that the committed files equal what this package produces.
"""
