"""Pure logic and models of analytics: no I/O.

- `observations`: one platform report line -> a fact record; the restatement rule.
- `totals`: additive totals, day boundaries and the reference rollup recomputation.
- `derived`: CTR, CPC, CPM, CPA and ROAS — the only place they are computed.
- `money`: conversion between currencies with configured rates.
- `settlement`: provisional vs settled hours.
- `anomalies`: spend spike, delivery stopped and CTR collapse against a campaign's own history.
"""
