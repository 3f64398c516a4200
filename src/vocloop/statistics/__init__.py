"""vocloop's statistics: every figure with its uncertainty, change judged by SPC.

Plain Python on numpy and scipy, with no Django import, so that it can be tested
alone and used by rollups, dashboards and the API alike. Reference formulas and
check values: docs/formulas.md.

- `estimate`: the `Estimate` result (value, n, interval, enough_data).
- `intervals`: Wilson and t intervals; `Moments` (n, sum, sum of squares).
- `metrics`: NPS, proportions (CSAT, SLA compliance, recovery, complaint, response,
  reopen rates, CES share easy), means (CES mean).
- `quantiles`: median / 90th percentile of durations from values or histograms.
- `compare`: two periods or groups, with a verdict in plain words.
- `control_charts` and `rules`: p / Laney p′ / XmR charts; Western Electric and
  Nelson rules.
- `shrinkage`: empirical-Bayes estimates and tiers for many teams or touch points.
- `pareto`: categories by count, each share with its interval, and the cumulative share.
- `rises`: which of several shares rose above their own history beyond noise
  (overdispersion-widened one-sided z-tests, Bonferroni).
- `effect`: did an improvement action work? Difference-in-differences against the
  rest of the organisation, and its verdict once the planned sample is in.
- `sample_size`: responses an action's check needs, and the days until they are in.
- `dominance`: the Mann–Whitney probability that durations got shorter, from histograms.
- `projection`: a quality objective's status from the weighted trend of its series.
"""
