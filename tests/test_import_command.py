"""`vocloop import`: feedback from a CSV file, checked whole, stored masked, counted and read."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from tests.conftest import Org
from tests.shared_data import shared_data
from tests.test_rollups import assert_rebuild_agrees
from vocloop.cases.models import Case
from vocloop.conductor.reading import unread_sweep
from vocloop.customers.models import Customer
from vocloop.insights.models import CommentText, OriginalComment, TextSettings
from vocloop.listening.models import Feedback, FeedbackImport, ReferenceCounter
from vocloop.metrics.models import FeedbackRollup
from vocloop.notifications.models import OutboxMessage

HEADER = ["when", "where", "kind", "nps", "comment", "email", "crm id", "name"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


FULL = (
    "--date-column", "when", "--touchpoint-column", "where", "--kind-column", "kind",
    "--score-column", "nps", "--score-type", "nps", "--comment-column", "comment",
    "--email-column", "email", "--customer-id-column", "crm id", "--name-column", "name",
    "--touchpoint", "help-desk",
)  # fmt: skip


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "history.csv",
        [
            ["2026-03-02", "help-desk", "survey", "3", "Terrible: nobody called me back.\nTwice!",
             "ADA@example.com", "", ""],
            ["2026/3/2", "Invoicing", "complaint", "",
             "Charged twice, card 4111 1111 1111 1111, mail me at bo@example.org", "", "C-7",
             "Bo"],
            ["2026-03-05T18:30:00+01:00", "", "Feedback", "10.0", "", "cy@example.net", "",
             "Cy"],
            ["2026-03-05", "help-desk", "", "9", "Quick and kind help", "", "C-7", ""],
        ],
    )  # fmt: skip


def test_an_import_stores_every_row_masked_on_its_day_with_its_customer(
    org: Org, history: Path
) -> None:
    out = run(history, *FULL)

    assert "Imported 4 pieces of feedback (3 with a comment)" in out
    assert "2 new customers" in out  # C-7 (twice) and cy@; ada@ is known
    rows = list(Feedback.objects.order_by("reference"))
    assert len(rows) == 4
    numbers = [int(f.reference.rsplit("-", 1)[1]) for f in rows]
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    assert {f.imported_by_id for f in rows} == {FeedbackImport.objects.get().pk}
    first, second, third, fourth = rows
    assert first.touchpoint == org.helpdesk and first.kind == "survey"
    assert (first.score_type, first.score) == ("nps", 3)
    assert first.comment == "Terrible: nobody called me back.\nTwice!"
    assert first.customer == org.customer  # the email matched whatever its case
    assert first.occurred_at == dt.datetime(2026, 3, 2, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert second.touchpoint == org.invoicing and second.kind == "complaint"
    assert "4111" not in second.comment and "bo@example.org" not in second.comment
    assert "[card number]" in second.comment and "[email]" in second.comment
    assert second.customer is not None and second.customer.external_id == "C-7"
    assert second.customer.name == "Bo"
    assert third.touchpoint == org.helpdesk  # an empty cell takes the default
    assert third.score == 10 and third.kind == "feedback"
    assert third.occurred_at == dt.datetime(2026, 3, 5, 17, 30, tzinfo=dt.UTC)
    assert third.customer is not None and third.customer.email == "cy@example.net"
    assert fourth.customer == second.customer
    assert {f.channel for f in rows} == {"import"}
    assert Customer.objects.count() == 3
    # History: a complaint and a detractor, but no case and nobody told.
    assert not Case.objects.exists()
    assert not OutboxMessage.objects.exists()
    # No original was kept (the retention is 0 days by default).
    assert not OriginalComment.objects.exists()
    record = FeedbackImport.objects.get()
    assert (record.rows, record.first_reference, record.last_reference) == (
        4,
        first.reference,
        fourth.reference,
    )


def test_imported_feedback_counts_in_the_rollups_as_a_rebuild_would(
    org: Org, history: Path
) -> None:
    from tests.helpers import give_feedback

    give_feedback(org.helpdesk, score=8)  # counted live, before the import
    run(history, *FULL)
    rows = assert_rebuild_agrees()
    days = {key[0] for key in rows["feedback"]}
    assert {dt.date(2026, 3, 2), dt.date(2026, 3, 5)} <= days
    march_2 = FeedbackRollup.objects.filter(day=dt.date(2026, 3, 2))
    assert sum(r.responses for r in march_2) == 2
    assert sum(r.complaints for r in march_2) == 1


def test_imported_comments_are_read(org: Org, history: Path) -> None:
    out = run(history, *FULL)

    assert "Read 3 comments" in out
    read = {t.feedback.comment: t for t in CommentText.objects.select_related("feedback")}
    assert len(read) == 3
    assert read["Quick and kind help"].sentiment == "positive"
    assert read["Terrible: nobody called me back.\nTwice!"].sentiment_score < 0


def test_no_read_leaves_the_comments_to_the_worker_or_themes_read(org: Org, history: Path) -> None:
    out = run(history, *FULL, "--no-read")
    assert (
        "The comments are not read yet. A running worker reads them in the background, "
        "500 a minute; `vocloop themes read` reads them all now." in out
    )
    assert Feedback.objects.count() == 4
    assert not CommentText.objects.exists()
    # As the message says: the worker's sweep reads them (past the two minutes it leaves
    # a comment's own task), and opens no case for what is history.
    Feedback.objects.update(received_at=F("received_at") - dt.timedelta(minutes=3))
    assert unread_sweep() == "read 3 comments left unread"
    assert CommentText.objects.count() == 3
    assert not Case.objects.exists()


def test_originals_are_kept_when_the_retention_says_so(org: Org, history: Path) -> None:
    TextSettings.objects.create(keep_original_days=30)
    run(history, *FULL)
    original = OriginalComment.objects.select_related("feedback").get()
    assert "4111 1111 1111 1111" in original.text
    assert "4111" not in original.feedback.comment
    assert original.keep_until == original.feedback.received_at + dt.timedelta(days=30)


def test_a_file_with_bad_rows_is_refused_whole_with_each_reason_and_line(
    org: Org, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["2026-03-02", "help-desk", "", "7", "Fine", "", "", ""],  # line 2: good
            ["2026-03-02", "help-desk", "", "11", "Off the scale", "", "", ""],  # 3
            ["2026-03-02", "help-desk", "", "", "A comment\nover\nthree lines", "", "", ""],  # 4
            ["03/02/2026", "help-desk", "", "", "American date", "", "", ""],  # line 7
            ["2026-03-02", "the moon", "", "", "Where?", "", "", ""],  # 8
            ["2026-03-02", "help-desk", "praise", "", "Odd kind", "", "", ""],  # 9
            ["2026-03-02", "help-desk", "", "", "", "", "", ""],  # 10: nothing to import
            ["2026-03-02", "help-desk", "", "six", "Words", "", "", ""],  # 11
            ["2026-03-02", "help-desk", "", "", "Mail", "not-an-email", "", ""],  # 12
            ["2099-01-01", "help-desk", "", "", "From the future", "", "", ""],  # 13
            ["2026-03-02", "help-desk", "", "12", "Off the scale again", "", "", ""],  # 14
        ],
    )  # fmt: skip
    counter_before = list(ReferenceCounter.objects.values_list("year", "last"))
    with pytest.raises(CommandError) as refused:
        run(path, *FULL)
    message = str(refused.value)
    assert "has 9 rows that cannot be imported; nothing was imported" in message
    assert "score out of range: 2 rows (lines 3, 14)" in message
    assert "An NPS score must be a whole number from 0 to 10." in message
    assert "unreadable date: 1 row (line 7)" in message
    assert "unknown touch point: 1 row (line 8)" in message
    assert "no touch point is called 'the moon'" in message
    assert "unknown kind: 1 row (line 9)" in message
    assert "no comment and no score: 1 row (line 10)" in message
    assert "unreadable score: 1 row (line 11)" in message
    assert "not an email address: 1 row (line 12)" in message
    assert "date out of range: 1 row (line 13)" in message
    assert not Feedback.objects.exists() and not Customer.objects.exclude(pk=org.customer.pk)
    assert list(ReferenceCounter.objects.values_list("year", "last")) == counter_before
    assert not FeedbackImport.objects.exists()

    out = run(path, *FULL, "--skip-invalid")
    assert "Imported 2 pieces of feedback" in out  # lines 2 and 4
    assert "Left out 9 rows that cannot be imported:" in out
    assert "unreadable date: 1 row (line 7)" in out
    assert Feedback.objects.count() == 2


def test_a_column_named_almost_right_is_suggested(org: Org, history: Path) -> None:
    with pytest.raises(CommandError, match=r"'Comment' \(comment; did you mean 'comment'\?\)"):
        run(history, "--comment-column", "Comment", "--touchpoint", "help-desk")
    with pytest.raises(CommandError, match=r"'emial' \(email; did you mean 'email'\?\)"):
        run(history, "--comment-column", "comment", "--email-column", "emial",
            "--touchpoint", "help-desk")  # fmt: skip


def test_a_row_of_the_wrong_shape_is_named(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("comment,score\nfine,9\ntoo,many,cells\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"wrong number of fields: 1 row \(line 3\)"):
        run(path, "--comment-column", "comment", "--touchpoint", "help-desk")


def test_the_same_file_is_not_imported_twice_unless_asked(org: Org, history: Path) -> None:
    run(history, *FULL)
    with pytest.raises(CommandError, match="Importing it again would count its feedback twice"):
        run(history, *FULL)
    assert Feedback.objects.count() == 4
    run(history, *FULL, "--again")
    assert Feedback.objects.count() == 8
    assert Customer.objects.count() == 3  # the same customers, found again


def test_check_reads_every_row_and_stores_nothing(org: Org, history: Path) -> None:
    out = run(history, *FULL, "--check")
    assert "4 rows can be imported (3 with a comment). Nothing was imported." in out
    assert not Feedback.objects.exists() and not FeedbackImport.objects.exists()


def test_dates_without_an_offset_are_read_in_the_zone_given(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "eu.csv", [["01/03/2026 09:30", "Slow"]], ["d", "c"])
    run(
        path, "--comment-column", "c", "--date-column", "d", "--date-format", "%d/%m/%Y %H:%M",
        "--time-zone", "Europe/Brussels", "--touchpoint", "Help desk",
    )  # fmt: skip
    assert Feedback.objects.get().occurred_at == dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


def test_without_a_date_column_the_feedback_is_dated_now(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "now.csv", [["Slow"]], ["c"])
    before = timezone.now()
    run(path, "--comment-column", "c", "--touchpoint", "help-desk", "--kind", "complaint")
    feedback = Feedback.objects.get()
    assert feedback.occurred_at >= before and feedback.kind == "complaint"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--comment-column", "text", "--touchpoint", "help-desk"],
            r"has no column 'text' \(comment\). Its columns are: 'c'.",
        ),
        (["--comment-column", "c", "--touchpoint", "nowhere"], "No touch point is called"),
        (["--comment-column", "c"], "Say which touch point"),
        (["--touchpoint", "help-desk"], "Name the column with the comments"),
        (["--score-column", "c", "--touchpoint", "help-desk"], "needs its score type"),
        (
            ["--comment-column", "c", "--touchpoint", "help-desk", "--score-type", "nps"],
            "A score type needs the column with the scores",
        ),
        (
            ["--comment-column", "c", "--touchpoint", "help-desk", "--channel", " "],
            "The channel must be 1 to 50 characters",
        ),
        (["--comment-column", "c", "--touchpoint", "help-desk", "--kind", "praise"], "kind"),
        (
            ["--comment-column", "c", "--touchpoint", "help-desk", "--time-zone", "Mars/Base"],
            "Unknown time zone 'Mars/Base'",
        ),
    ],
)
def test_a_mistaken_command_says_what_is_wrong(
    org: Org, tmp_path: Path, args: list[str], expected: str
) -> None:
    path = write_csv(tmp_path / "one.csv", [["Slow"]], ["c"])
    with pytest.raises(CommandError, match=expected):
        run(path, *args)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty: it has no header row"),
        (b"c\n", "has no rows that can be imported"),
        ("c\ncaf\u00e9\n".encode("latin-1"), "is not UTF-8 text"),
        (b'c\n"an open quote\n', "is not a readable CSV file"),
    ],
)
def test_an_unreadable_file_is_refused_with_the_reason(
    org: Org, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=expected):
        run(path, "--comment-column", "c", "--touchpoint", "help-desk")
    assert not Feedback.objects.exists()


def test_a_missing_file_is_named(org: Org, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv"):
        run(tmp_path / "missing.csv", "--comment-column", "c", "--touchpoint", "help-desk")


def test_the_cfpb_complaint_register_imports_and_is_read(org: Org, **_: Any) -> None:
    path = shared_data("cfpb-complaints-2019-2020.csv")
    out = run(
        path, "--comment-column", "Consumer complaint narrative", "--date-column",
        "Date received", "--touchpoint", "help-desk", "--kind", "complaint", "--skip-invalid",
    )  # fmt: skip
    # 1,532 narratives, of which 25 are longer than vocloop takes a comment to be.
    assert "Imported 1,507 pieces of feedback (1,507 with a comment)" in out
    assert "no comment and no score: 5,091 rows" in out
    assert "comment too long: 25 rows" in out
    assert CommentText.objects.count() == 1507
    dates = Feedback.objects.dates("occurred_at", "year")
    assert {d.year for d in dates} <= {2015, 2016, 2017, 2018, 2019, 2020}
    assert not Case.objects.exists()


def test_imported_comments_open_no_case_even_when_swept_up_by_the_worker(
    org: Org, clock: Any, tmp_path: Path
) -> None:
    from tests.helpers import give_feedback
    from vocloop.conductor.reading import unread_sweep
    from vocloop.listening.models import CaseRule

    CaseRule.objects.create(touchpoint=org.helpdesk, sentiment_at_or_below=-0.6)
    words = "Terrible, awful, I am furious and disgusted."
    path = write_csv(tmp_path / "angry.csv", [[words]], ["c"])
    run(path, "--comment-column", "c", "--touchpoint", "help-desk", "--no-read")
    live = give_feedback(org.helpdesk, score=None, comment=words)  # its task is lost
    clock.to(clock.now + dt.timedelta(minutes=5))
    assert unread_sweep() == "read 2 comments left unread"
    assert Feedback.objects.get(pk=live.pk).case is not None
    imported = Feedback.objects.get(imported_by__isnull=False)
    assert imported.case is None and imported.text.sentiment_score <= -0.6


def test_customers_and_originals_carry_across_batches_and_segments_count(
    org: Org, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vocloop.listening.csvimport.write as imports

    monkeypatch.setattr(imports, "BATCH", 1)  # every row a batch of its own
    org.customer.size = Customer.Size.ENTERPRISE
    org.customer.save()
    TextSettings.objects.create(keep_original_days=30)
    out = run(history, *FULL)
    assert "2 new customers" in out
    rows = list(Feedback.objects.order_by("reference"))
    assert rows[1].customer == rows[3].customer  # C-7, found again in a later batch
    assert OriginalComment.objects.get().feedback == rows[1]
    rebuilt = assert_rebuild_agrees()
    assert (dt.date(2026, 3, 2), org.helpdesk.pk, "nps", "import", "enterprise") in rebuilt[
        "feedback"
    ]


def test_broken_quoting_is_refused_with_its_line(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text('c\nfine\n"Great" service\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: ',' expected after '\"'"):
        run(path, "--comment-column", "c", "--touchpoint", "help-desk")


def test_a_nul_character_is_refused_for_its_row(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nul.csv", [["fine"], ["bro\x00ken"]], ["c"])
    with pytest.raises(CommandError, match=r"NUL character: 1 row \(line 3\)"):
        run(path, "--comment-column", "c", "--touchpoint", "help-desk")


def test_check_says_when_the_file_was_imported_before(org: Org, history: Path) -> None:
    run(history, *FULL)
    out = run(history, *FULL, "--check")
    assert "This file was imported on" in out and "Importing it again needs --again." in out


def test_rows_left_out_go_to_a_rejects_file_that_imports_once_fixed(
    org: Org, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        [["Fine, thanks", "9"], ["Off the scale", "11"], ["Late", "ten"], ["Slow, again", "4"]],
        ["comment", "nps"],
    )
    rejects = tmp_path / "rejects.csv"
    args = ("--comment-column", "comment", "--score-column", "nps", "--score-type", "nps",
            "--touchpoint", "help-desk", "--rejects", str(rejects))  # fmt: skip
    with pytest.raises(CommandError, match=r"The rows left out are in .*rejects\.csv, with why"):
        run(path, *args)
    with open(rejects, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["comment", "nps", "vocloop line", "vocloop why"],
        ["Off the scale", "11", "3", "An NPS score must be a whole number from 0 to 10."],
        ["Late", "ten", "4", "the score 'ten' is not a number"],
    ]
    out = run(path, *args, "--skip-invalid")
    assert "Imported 2 pieces of feedback" in out and f"They are in {rejects}, with why." in out
    # Fixed in the rejects file, the rows left out import on their own.
    fixed = write_csv(
        tmp_path / "fixed.csv", [["Off the scale", "10", "3", "fixed"]], [*rows[0][:3], "x"]
    )
    assert "Imported 1 piece of feedback" in run(fixed, *args[:-2])
    assert Feedback.objects.count() == 3


def test_a_semicolon_separated_file_is_recognised(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("date;comment\n2026-03-02;Très lent, vraiment\n", encoding="utf-8-sig")
    args = ("--comment-column", "comment", "--date-column", "date", "--touchpoint", "help-desk")
    with pytest.raises(CommandError, match="It looks separated by ';': pass --delimiter ';'"):
        run(path, *args)
    run(path, *args, "--delimiter", ";")
    assert Feedback.objects.get().comment == "Très lent, vraiment"


def test_a_date_alone_stays_its_day_whatever_the_files_time_zone(
    org: Org, tmp_path: Path, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Brussels"
    path = write_csv(
        tmp_path / "tokyo.csv", [["2026-03-02", "A date"], ["2026-03-02 08:00", "A time"]],
        ["d", "c"],
    )  # fmt: skip
    run(path, "--comment-column", "c", "--date-column", "d", "--time-zone", "Asia/Tokyo",
        "--touchpoint", "help-desk")  # fmt: skip
    day = Feedback.objects.get(comment="A date").occurred_at
    assert day == dt.datetime(2026, 3, 2, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))
    moment = Feedback.objects.get(comment="A time").occurred_at
    assert moment == dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)  # 08:00 in Tokyo


def test_an_inactive_touch_point_is_refused_before_any_row_is_read(
    org: Org, tmp_path: Path
) -> None:
    org.helpdesk.active = False
    org.helpdesk.save()
    path = write_csv(tmp_path / "one.csv", [["Slow"]], ["c"])
    with pytest.raises(CommandError, match="“Help desk” is not taking feedback"):
        run(path, "--comment-column", "c", "--touchpoint", "help-desk")


def test_an_import_is_undone_out_of_every_table_and_figure(org: Org, history: Path) -> None:
    from tests.helpers import give_feedback
    from vocloop.conductor.reading import read_arrived
    from vocloop.insights.models import Correction, SimilarGroup
    from vocloop.insights.services import correction_record

    live = give_feedback(org.helpdesk, score=8, comment="Quick and kind help")  # stays
    read_arrived(feedback=live)  # read already: its sentiment counts before and after
    before = rollup_rows_now()
    TextSettings.objects.create(keep_original_days=30)
    run(history, *FULL)
    imported = Feedback.objects.filter(imported_by__isnull=False)
    correction_record(feedback=imported.first(), themes=[], sentiment="negative", by=org.manager)
    listed = StringIO()
    call_command("imports", "list", stdout=listed)
    record = FeedbackImport.objects.get()
    assert f"{record.pk:>4}" in listed.getvalue() and "4 present" in listed.getvalue()

    # Asked first; not at a terminal, it says what it would delete and how to go on.
    with pytest.raises(CommandError) as asked:
        call_command("imports", "undo", str(record.pk))
    assert (
        f"Undoing import {record.pk} ({history}, " in str(asked.value)
        and "deletes 4 pieces of feedback and 1 correction staff made to their comments. "
        "Nothing was undone: add --no-input to undo it."
        in str(asked.value)
    )
    assert Feedback.objects.count() == 5
    out = StringIO()
    call_command("imports", "undo", str(record.pk), "--no-input", stdout=out)
    assert f"Undid import {record.pk}: 4 pieces of feedback deleted" in out.getvalue()
    assert Feedback.objects.count() == 1 and Customer.objects.count() == 3
    assert not OriginalComment.objects.exists() and not Correction.objects.exists()
    # Only the live comment's reading is left.
    assert list(CommentText.objects.values_list("feedback__imported_by", flat=True)) == [None]
    assert not SimilarGroup.objects.filter(comments=None).exists()
    assert rollup_rows_now() == before
    assert_rebuild_agrees()
    listed = StringIO()
    call_command("imports", "list", stdout=listed)
    assert "undone" in listed.getvalue()
    with pytest.raises(CommandError, match="was undone on"):
        call_command("imports", "undo", str(record.pk))
    with pytest.raises(CommandError, match="There is no import 999"):
        call_command("imports", "undo", "999")
    # Undone, the file can be imported again (corrected, or as it was).
    assert "Imported 4 pieces of feedback" in run(history, *FULL)


def rollup_rows_now() -> dict[str, Any]:
    from tests.test_rollups import rollup_rows

    rows = rollup_rows()
    return {"feedback": rows["feedback"], "by_touchpoint": rows["feedback_by_touchpoint"]}


def test_the_scale_is_questioned_when_nps_scores_stay_within_one_to_five(
    org: Org, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "stars.csv", [["Good", "4"], ["Bad", "1"], ["Fine", "3,0"]], ["c", "s"]
    )
    args = ("--comment-column", "c", "--score-column", "s", "--touchpoint", "help-desk")
    out = run(path, *args, "--score-type", "nps", "--check")
    assert "Check the scale: Every score is from 1 to 4" in out
    assert "Check the scale" not in run(path, *args, "--score-type", "csat")
    assert sorted(Feedback.objects.values_list("score", flat=True)) == [1, 3, 4]


def test_the_scale_is_questioned_when_nearly_every_nps_score_is_one_to_five(
    org: Org, tmp_path: Path
) -> None:
    args = ("--comment-column", "c", "--score-column", "s", "--touchpoint", "help-desk",
            "--score-type", "nps", "--check")  # fmt: skip
    mixed = [["Said", str(1 + i % 5)] for i in range(28)] + [["Said", "9"], ["Said", "10"]]
    out = run(write_csv(tmp_path / "mixed.csv", mixed, ["c", "s"]), *args)
    assert "Check the scale: 28 of the 30 scores (93%) are from 1 to 5" in out
    # Real NPS answers: mostly 7 to 10, some low ones.
    nps = [["Said", str(s)] for s in [9, 10, 8, 7, 3, 10, 9, 6, 2, 10] * 3]
    assert "Check the scale" not in run(write_csv(tmp_path / "nps.csv", nps, ["c", "s"]), *args)


def test_a_name_alone_is_refused(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "names.csv", [["Slow", "Ada"]], ["c", "n"])
    with pytest.raises(CommandError, match="A name alone identifies nobody"):
        run(path, "--comment-column", "c", "--name-column", "n", "--touchpoint", "help-desk")


def test_overlapping_exports_bring_each_row_once_by_its_id(org: Org, tmp_path: Path) -> None:
    args = ("--comment-column", "c", "--id-column", "id", "--touchpoint", "help-desk",
            "--channel", "survey-tool")  # fmt: skip
    march = write_csv(tmp_path / "march.csv", [["A1", "Slow"], ["A2", "Rude"]], ["id", "c"])
    run(march, *args)
    april = write_csv(
        tmp_path / "april.csv", [["A2", "Rude"], ["A3", "Late"], ["A4", "Kind"]], ["id", "c"]
    )
    out = run(april, *args, "--check")
    assert "2 rows can be imported" in out
    assert "1 row would be left out: imported before (the same id in the same channel)" in out
    out = run(april, *args)
    assert "Imported 2 pieces of feedback" in out and "1 row was left out" in out
    assert sorted(Feedback.objects.values_list("source_id", flat=True)) == ["A1", "A2", "A3", "A4"]
    # Another source may use the same ids.
    run(march, *args[:-1], "other-tool", "--again")
    assert Feedback.objects.filter(source_id="A1").count() == 2
    with pytest.raises(CommandError, match=r"no rows that can be imported \(2 imported before"):
        run(march, *args, "--again")


def test_an_id_repeated_in_the_file_is_a_problem_of_that_row(org: Org, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "twice.csv", [["B1", "Slow"], ["B2", "Rude"], ["B1", "Slow"], ["", "No id"]],
        ["id", "c"],
    )  # fmt: skip
    args = ("--comment-column", "c", "--id-column", "id", "--touchpoint", "help-desk")
    with pytest.raises(CommandError) as refused:
        run(path, *args)
    assert "id repeated in the file: 1 row (line 4)" in str(refused.value)
    assert "the id 'B1' is on line 2 already" in str(refused.value)
    assert "no id: 1 row (line 5)" in str(refused.value)
    run(path, *args, "--skip-invalid")
    assert sorted(Feedback.objects.values_list("source_id", flat=True)) == ["B1", "B2"]


def test_undo_counts_the_days_again_as_a_rebuild_would_after_a_size_changed(
    org: Org, history: Path
) -> None:
    run(history, *FULL)
    bo = Customer.objects.get(external_id="C-7")
    bo.size = Customer.Size.SMALL  # counted without a size when imported
    bo.save()
    from tests.helpers import give_feedback

    give_feedback(
        org.helpdesk, customer=bo, score=9, occurred_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    call_command(
        "imports", "undo", str(FeedbackImport.objects.get().pk), "--no-input", stdout=StringIO()
    )
    rows = assert_rebuild_agrees()
    assert all(v >= 0 for fields in rows["feedback"].values() for v in fields.values())
    assert sum(f["responses"] for f in rows["feedback"].values()) == 1


def test_a_rejects_file_may_not_be_the_file_imported(org: Org, history: Path) -> None:
    with pytest.raises(CommandError, match="another file than the one imported"):
        run(history, *FULL, "--rejects", str(history))
    assert history.read_text(encoding="utf-8").startswith("when,where")


def test_a_date_before_1970_is_a_problem_of_its_row(org: Org, tmp_path: Path) -> None:
    # The pages show 1970 onwards: history before would be counted and never seen.
    path = write_csv(
        tmp_path / "old.csv",
        [["0001-01-01T00:00+01:00", "Slow"], ["1969-12-31", "Slower"]],
        ["d", "c"],
    )
    with pytest.raises(CommandError, match=r"date out of range: 2 rows \(lines 2, 3\)"):
        run(path, "--comment-column", "c", "--date-column", "d", "--touchpoint", "help-desk")


def test_a_score_is_read_only_when_written_as_a_number(org: Org, tmp_path: Path) -> None:
    scores = ["1e1", "inf", "1_0", "nan", "9.0", "9,0", "+9", "7"]
    path = write_csv(tmp_path / "scores.csv", [["Said", s] for s in scores], ["c", "nps"])
    args = ("--comment-column", "c", "--score-column", "nps", "--score-type", "nps",
            "--touchpoint", "help-desk")  # fmt: skip
    with pytest.raises(CommandError, match=r"unreadable score: 4 rows \(lines 2, 3, 4, 5\)"):
        run(path, *args)
    assert "Imported 4 pieces of feedback" in run(path, *args, "--skip-invalid")
    assert sorted(Feedback.objects.values_list("score", flat=True)) == [7, 9, 9, 9]


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_undo_at_a_terminal_asks_first(
    org: Org, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(history, *FULL)
    pk = str(FeedbackImport.objects.get().pk)
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    with pytest.raises(CommandError, match="Nothing was undone"):
        call_command("imports", "undo", pk, stdout=StringIO())
    assert Feedback.objects.count() == 4
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    call_command("imports", "undo", pk, stdout=StringIO())
    assert not Feedback.objects.exists()


def test_a_time_whose_day_in_utc_is_before_1970_is_refused_too(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "edge.csv", [["1970-01-01T03:00:00+09:00", "Slow"]], ["d", "c"])
    with pytest.raises(CommandError, match=r"date out of range: 1 row \(line 2\)") as refused:
        run(path, "--comment-column", "c", "--date-column", "d", "--touchpoint", "help-desk")
    assert "before 1970" in str(refused.value)


def test_imports_are_listed_newest_first(org: Org, history: Path) -> None:
    for _ in range(3):
        run(history, *FULL, "--again")
    listed = StringIO()
    call_command("imports", "list", stdout=listed)
    numbers = [int(line.split()[0]) for line in listed.getvalue().splitlines()]
    assert numbers == sorted(FeedbackImport.objects.values_list("pk", flat=True), reverse=True)
