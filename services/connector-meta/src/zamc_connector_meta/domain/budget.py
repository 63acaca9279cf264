"""Spreading a campaign's daily budget over its ad sets (Meta budgets sit on the ad sets)."""

from __future__ import annotations

from collections.abc import Mapping


def split_budget(total: int, current: Mapping[str, int]) -> dict[str, int]:
    """`total` minor units over the ad sets, in proportion to their current budgets.

    Largest-remainder rounding keeps the sum exact; ad sets without a budget share equally.
    """
    if not current:
        return {}
    ids = sorted(current)
    weights = {i: max(current[i], 0) for i in ids}
    if sum(weights.values()) == 0:
        weights = dict.fromkeys(ids, 1)
    weight_sum = sum(weights.values())
    exact = {i: total * weights[i] / weight_sum for i in ids}
    shares = {i: int(exact[i]) for i in ids}
    leftover = total - sum(shares.values())
    for i in sorted(ids, key=lambda i: (-(exact[i] - shares[i]), i))[:leftover]:
        shares[i] += 1
    return shares
