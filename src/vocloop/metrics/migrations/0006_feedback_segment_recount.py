# Feedback now carries its segment (listening 0009); its rollup rows are counted again by it.

import zoneinfo

from django.conf import settings
from django.db import migrations, models

# The counts and the rules of metrics.feedback_rollups as they stand at this migration.
COUNTS = (
    "responses",
    "complaints",
    "with_comment",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
    "ces_n",
    "ces_sum",
    "ces_sum_squares",
    "ces_easy",
    "comments_read",
    "comments_negative",
    "sentiment_sum",
    "sentiment_sum_squares",
)
AT = {name: i for i, name in enumerate(COUNTS)}
SENTIMENT_UNITS = 10_000
BATCH = 2000


def _counts(kind, score_type, score, commented, label, sentiment_score):
    counts = [0] * len(COUNTS)
    counts[AT["responses"]] = 1
    counts[AT["complaints"]] = int(kind == "complaint")
    counts[AT["with_comment"]] = int(bool(commented))
    if label is not None:
        units = round(sentiment_score * SENTIMENT_UNITS)
        counts[AT["comments_read"]] = 1
        counts[AT["comments_negative"]] = int(label == "negative")
        counts[AT["sentiment_sum"]] = units
        counts[AT["sentiment_sum_squares"]] = units * units
    if score is None:
        return counts
    if score_type == "nps":
        band = "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"
        counts[AT[f"nps_{band}"]] = 1
    elif score_type == "csat":
        counts[AT[f"csat_{score}"]] = 1
    elif score_type == "ces":
        counts[AT["ces_n"]], counts[AT["ces_sum"]] = 1, score
        counts[AT["ces_sum_squares"]] = score * score
        counts[AT["ces_easy"]] = int(score >= 5)
    return counts


def recount(apps, schema_editor):
    """Existing installs: FeedbackRollup counted again, each piece of feedback under its own
    segment, as `vocloop rollups rebuild` counts it.

    Rows counted before under a customer's earlier size would otherwise lose a comment's
    count, read again or corrected, from a row it was never added to. Only the split by
    segment moves: FeedbackTouchpointRollup, which has none, stays as it is. The feedback
    is read a touch point and a day at a time (its index's order), so memory stays small.
    """
    Feedback = apps.get_model("listening", "Feedback")
    FeedbackRollup = apps.get_model("metrics", "FeedbackRollup")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    has_comment = models.Case(
        models.When(comment="", then=models.Value(False)),
        default=models.Value(True),
        output_field=models.BooleanField(),
    )
    rows = (
        Feedback.objects.order_by("touchpoint_id", "occurred_at")
        .annotate(has_comment=has_comment)
        .values_list(
            "touchpoint_id",
            "occurred_at",
            "score_type",
            "channel",
            "segment",
            "kind",
            "score",
            "has_comment",
            "text__sentiment",
            "text__sentiment_score",
        )
    )
    FeedbackRollup.objects.all().delete()
    pending, new = {}, []

    def flush():
        for (day, touchpoint, score_type, channel, segment), counts in pending.items():
            new.append(
                FeedbackRollup(
                    day=day,
                    touchpoint_id=touchpoint,
                    score_type=score_type,
                    channel=channel,
                    segment=segment,
                    **dict(zip(COUNTS, counts)),
                )
            )
        pending.clear()
        if len(new) >= BATCH:
            FeedbackRollup.objects.bulk_create(new, batch_size=BATCH)
            new.clear()

    scope = None
    for row in rows.iterator(chunk_size=BATCH):
        touchpoint, at, score_type, channel, segment, kind, score, commented, label, units = row
        day = at.astimezone(zone).date()
        if (touchpoint, day) != scope:
            flush()
            scope = (touchpoint, day)
        key = (day, touchpoint, score_type or "", channel, segment)
        counts = pending.setdefault(key, [0] * len(COUNTS))
        for i, n in enumerate(_counts(kind, score_type, score, commented, label, units)):
            counts[i] += n
    flush()
    FeedbackRollup.objects.bulk_create(new, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("listening", "0009_feedback_segment"),
        ("metrics", "0005_comment_sentiment"),
    ]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
