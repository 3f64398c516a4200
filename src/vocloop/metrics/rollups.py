"""Keeping the rollups (models.py) exact: incrementally with each change, or rebuilt from scratch.

Feedback only ever adds to its day's row: `rollup_feedback_received` runs one
INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n in feedback_receive's
transaction, race-free on SQLite and PostgreSQL alike — for its FeedbackRollup row,
then for the coarser FeedbackTouchpointRollup row most reads sum.

A case's figures move as it is acknowledged, resolved, reopened and resolved again,
so each case's current contribution is recorded (CaseContribution). Every change of
a case passes through cases.timeline.record_events and is announced to
`rollup_case_events` (vocloop.conductor.case_changes): it reads the case again,
takes back the recorded contribution, adds the new one and records it — a reopened,
then re-resolved case counts once, on its latest resolution day. SLA compliance
counts each deadline on its own day, met, missed or still open past it;
`rollup_deadlines_passed` (the worker's sweep) counts a deadline as missed when it
passes. Verdicts and reopenings are moments that never change: they are counted from
their timeline entries.

Each comment's themes count in ThemeRollup (theme_rollups.py), moved with every
write of them by insights.texts.comment_texts_write, as the sentiment counts are.

`rollups_rebuild` recomputes everything from the raw tables with the same rules; a
test drives random feedback and case work through the real services and checks the
two agree row by row.

The work is done in feedback_rollups.py, case_rollups.py and rebuild.py (with the
shared upsert in upsert.py); this module names what the rest of vocloop calls.
"""

from vocloop.metrics.case_rollups import CASE_COUNTS as CASE_COUNTS
from vocloop.metrics.case_rollups import HISTOGRAMS as HISTOGRAMS
from vocloop.metrics.case_rollups import case_segment as case_segment
from vocloop.metrics.case_rollups import duration_bucket as duration_bucket
from vocloop.metrics.case_rollups import rollup_case_events as rollup_case_events
from vocloop.metrics.case_rollups import rollup_deadlines_passed as rollup_deadlines_passed
from vocloop.metrics.feedback_rollups import FEEDBACK_COUNTS as FEEDBACK_COUNTS
from vocloop.metrics.feedback_rollups import FeedbackKey as FeedbackKey
from vocloop.metrics.feedback_rollups import feedback_counts as feedback_counts
from vocloop.metrics.feedback_rollups import feedback_days as feedback_days
from vocloop.metrics.feedback_rollups import feedback_key as feedback_key
from vocloop.metrics.feedback_rollups import feedback_totals as feedback_totals
from vocloop.metrics.feedback_rollups import rollup_feedback_add as rollup_feedback_add
from vocloop.metrics.feedback_rollups import rollup_feedback_received as rollup_feedback_received
from vocloop.metrics.feedback_rollups import rollup_feedback_recount as rollup_feedback_recount
from vocloop.metrics.feedback_rollups import sentiment_counts as sentiment_counts
from vocloop.metrics.rebuild import rollups_rebuild as rollups_rebuild
from vocloop.metrics.theme_rollups import rollup_themes_recount as rollup_themes_recount
