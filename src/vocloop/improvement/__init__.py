"""Improve: quality objectives and improvement actions whose effect is proven before they close.

The Plan–Do–Check–Act loop of ISO 9001 6.2 (quality objectives: measurable, owned,
dated, evaluated) and 10.2 (corrective action). An objective's status and an action's
check are computed from the metrics' rollups (statistics/projection.py and
statistics/effect.py), never typed by hand.
"""
