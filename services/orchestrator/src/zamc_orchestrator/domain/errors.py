"""Errors the domain raises when a brief or a strategy cannot be made valid."""

from __future__ import annotations


class StrategyRejected(Exception):
    """No valid strategy can be made; `reasons` say why in words a marketer can act on."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
