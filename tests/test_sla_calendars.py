"""Business calendars as the quality manager writes them: hours per weekday and holidays."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from vocloop.slas.business_time import deadline
from vocloop.slas.models import BusinessCalendar, Holiday, parse_hours
from vocloop.slas.services import business_calendar

T = dt.time


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("09:00-17:00", ((T(9), T(17)),)),
        (" 13:00-17:00 , 08:00-12:00 ", ((T(8), T(12)), (T(13), T(17)))),
        ("00:00-24:00", ((T(0), T(0)),)),  # the whole day: 24:00 ends it
        ("8:30-12:00, 12:00-16:30", ((T(8, 30), T(12)), (T(12), T(16, 30)))),
        ("", ()),
    ],
)
def test_working_hours_are_read_as_written(text, hours):
    assert parse_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9 to 5", "is not a time range"),
        ("17:00-09:00", "the end comes before the start"),
        ("09:00-09:00", "the end comes before the start"),
        ("25:00-26:00", "is not a time of day"),
        ("09:00-24:30", "is not a time of day"),
        ("08:00-12:00, 11:00-15:00", "overlap"),
    ],
)
def test_impossible_hours_are_refused_saying_why(text, words):
    with pytest.raises(ValidationError, match=words):
        parse_hours(text)


def test_a_holiday_stops_the_clock_for_the_whole_local_day(db):
    calendar = BusinessCalendar.objects.create(
        name="Berlin",
        time_zone="Europe/Berlin",
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-17:00"),
    )
    friday_afternoon = dt.datetime(2026, 12, 18, 15, 0, tzinfo=dt.UTC)  # 16:00 in Berlin
    before = deadline(business_calendar(calendar), friday_afternoon, dt.timedelta(hours=2))
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 12, 21), name="Bridge day")
    after = deadline(business_calendar(calendar), friday_afternoon, dt.timedelta(hours=2))
    # Friday 16–17 Berlin, then 1 h on Monday (10:00 Berlin = 09:00 UTC), or on Tuesday.
    assert before == dt.datetime(2026, 12, 21, 9, 0, tzinfo=dt.UTC)
    assert after == dt.datetime(2026, 12, 22, 9, 0, tzinfo=dt.UTC)


def test_a_calendar_without_any_working_day_is_refused(db):
    calendar = BusinessCalendar(name="Never", time_zone="UTC")
    with pytest.raises(ValidationError, match="at least one day"):
        calendar.full_clean()


def test_a_calendar_that_cannot_run_a_clock_leaves_cases_without_deadlines(org):
    from tests.helpers import give_feedback

    BusinessCalendar.objects.filter(is_default=True).update(
        monday="", tuesday="", wednesday="", thursday="", friday=""
    )
    case = give_feedback(org.helpdesk, score=2).case  # opens all the same
    assert case.sla_policy is not None
    assert (case.acknowledge_by, case.resolve_by) == (None, None)
