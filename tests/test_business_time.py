"""Business time for SLA clocks: deadlines and elapsed working time on a team's calendar.

Hand-computed cases first, each with its arithmetic, then properties that must hold
for any calendar, start, duration and pauses. Pure computation: no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vocloop.slas.business_time import (
    BusinessCalendar,
    Pause,
    add_business_time,
    business_time_between,
    deadline,
    working_intervals,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
NO_HOURS: tuple[tuple[time, time], ...] = ()


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def every_day(*windows: tuple[time, time]) -> tuple[tuple[tuple[time, time], ...], ...]:
    return (windows,) * 7


OFFICE = BusinessCalendar.weekdays("Europe/Berlin")  # Mon–Fri 09:00–17:00
ALWAYS = BusinessCalendar.always("Europe/Berlin")
NIGHT_SHIFT = BusinessCalendar(  # 22:00–06:00 every night, written as two windows
    zone=BERLIN, hours=every_day((time(0), time(6)), (time(22), time(0)))
)


# --- Deadlines on an ordinary office calendar ------------------------------------------


def test_two_hours_from_friday_four_pm_end_on_monday_at_ten():
    # Fri 16:00–17:00 is 1h, the weekend is closed, Mon 09:00–10:00 is the 2nd hour.
    due = add_business_time(OFFICE, berlin(2026, 3, 6, 16), 2 * H)
    assert due == berlin(2026, 3, 9, 10)


def test_results_are_utc():
    due = add_business_time(OFFICE, berlin(2026, 3, 6, 16), 2 * H)
    # Mon 10:00 CET (UTC+1) is 09:00 UTC.
    assert due.tzinfo is UTC and due == datetime(2026, 3, 9, 9, tzinfo=UTC)


def test_a_clock_started_on_saturday_counts_from_monday_nine():
    # Nothing counts over the weekend; Mon 09:00 + 3h = Mon 12:00.
    assert add_business_time(OFFICE, berlin(2026, 3, 7, 11), 3 * H) == berlin(2026, 3, 9, 12)
    assert business_time_between(OFFICE, berlin(2026, 3, 7, 11), berlin(2026, 3, 9, 12)) == 3 * H


def test_a_holiday_monday_moves_the_deadline_to_tuesday():
    easter = BusinessCalendar.weekdays("Europe/Berlin", holidays=[date(2026, 4, 6)])
    # Thu 2026-04-02 16:00–17:00 is 1h; Fri 09:00–17:00 8h (9h in all);
    # Easter Monday is off; Tue 09:00–10:00 is the 10th hour.
    assert add_business_time(easter, berlin(2026, 4, 2, 16), 10 * H) == berlin(2026, 4, 7, 10)


def test_a_lunch_break_splits_the_clock():
    workday = ((time(8), time(12)), (time(13), time(17)))
    lunch = BusinessCalendar(zone=BERLIN, hours=(workday,) * 5 + (NO_HOURS, NO_HOURS))
    # Mon 11:00–12:00 is 1h, lunch 12:00–13:00 stops the clock, 13:00–14:00 the 2nd.
    assert add_business_time(lunch, berlin(2026, 3, 2, 11), 2 * H) == berlin(2026, 3, 2, 14)
    # 4h before lunch + 4h after it.
    assert business_time_between(lunch, berlin(2026, 3, 2, 0), berlin(2026, 3, 3, 0)) == 8 * H


def test_no_time_to_spend_is_the_start_itself_even_on_a_sunday():
    sunday = berlin(2026, 3, 8, 12)
    assert add_business_time(OFFICE, sunday, timedelta(0)) == sunday


def test_a_deadline_that_uses_up_the_day_is_its_closing_time_not_the_next_morning():
    # Mon 09:00 + 8h = Mon 17:00, the end of the window, not Tue 09:00.
    assert add_business_time(OFFICE, berlin(2026, 3, 2, 9), 8 * H) == berlin(2026, 3, 2, 17)


def test_a_thousand_business_hours_are_twenty_five_working_weeks():
    # 1000h / 8h = 125 days = 25 weeks of 5: from Mon 2 March 09:00 to the Friday of
    # the 25th week (2 March + 24 weeks + 4 days = 21 August) at 17:00, summer time
    # notwithstanding.
    due = add_business_time(OFFICE, berlin(2026, 3, 2, 9), 1000 * H)
    assert due == berlin(2026, 8, 21, 17)


def test_a_week_of_office_hours_is_forty_hours():
    # 5 days × 8h; the second week contains the switch to summer time (Sun 29 March).
    assert business_time_between(OFFICE, berlin(2026, 3, 2), berlin(2026, 3, 9)) == 40 * H
    assert business_time_between(OFFICE, berlin(2026, 3, 23), berlin(2026, 3, 30)) == 40 * H


def test_time_between_is_zero_when_the_end_is_not_after_the_start():
    assert business_time_between(OFFICE, berlin(2026, 3, 2, 12), berlin(2026, 3, 2, 10)) == (
        timedelta(0)
    )


def test_a_window_ending_at_midnight_lasts_to_the_end_of_the_day():
    evening = BusinessCalendar(zone=BERLIN, hours=every_day((time(18), time(0))))
    # 18:00–24:00 = 6h.
    assert business_time_between(evening, berlin(2026, 3, 2), berlin(2026, 3, 3)) == 6 * H


# --- Daylight saving time (Europe/Berlin, 2026) ------------------------------------------


def test_the_spring_forward_day_is_23_hours_on_a_24_7_calendar():
    # 2026-03-29 02:00 CET jumps to 03:00 CEST: midnight to midnight is 23 real hours.
    assert business_time_between(ALWAYS, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * H
    # Sat 12:00 CET (11:00 UTC) + 24 real hours = Sun 11:00 UTC = 13:00 CEST.
    assert add_business_time(ALWAYS, berlin(2026, 3, 28, 12), 24 * H) == berlin(2026, 3, 29, 13)


def test_the_fall_back_day_is_25_hours_on_a_24_7_calendar():
    # 2026-10-25 03:00 CEST goes back to 02:00 CET: 25 real hours.
    assert business_time_between(ALWAYS, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * H


def test_a_night_shift_across_the_spring_gap_is_an_hour_shorter():
    # 22:00 CET (21:00 UTC) to 06:00 CEST (04:00 UTC) is 7 real hours, not 8.
    night = business_time_between(NIGHT_SHIFT, berlin(2026, 3, 28, 12), berlin(2026, 3, 29, 12))
    assert night == 7 * H
    assert add_business_time(NIGHT_SHIFT, berlin(2026, 3, 28, 22), 7 * H) == berlin(2026, 3, 29, 6)


def test_a_night_shift_across_the_autumn_fold_is_an_hour_longer():
    # 22:00 CEST (20:00 UTC) to 06:00 CET (05:00 UTC) is 9 real hours.
    night = business_time_between(NIGHT_SHIFT, berlin(2026, 10, 24, 12), berlin(2026, 10, 25, 12))
    assert night == 9 * H


def test_office_hours_on_the_switch_days_open_at_nine_local_and_last_eight_hours():
    daily = BusinessCalendar(zone=BERLIN, hours=every_day((time(9), time(17))))
    for sunday, utc_hour in ((date(2026, 3, 29), 7), (date(2026, 10, 25), 8)):
        start = datetime.combine(sunday, time(0), tzinfo=BERLIN)
        (opening,) = working_intervals(daily, start, start + 24 * H)
        # 09:00 CEST is 07:00 UTC; 09:00 CET is 08:00 UTC.
        assert opening == (
            datetime.combine(sunday, time(utc_hour), tzinfo=UTC),
            datetime.combine(sunday, time(utc_hour + 8), tzinfo=UTC),
        )


def test_a_window_opening_in_the_spring_gap_opens_when_the_gap_ends():
    early = BusinessCalendar(zone=BERLIN, hours=every_day((time(2, 30), time(4))))
    start = berlin(2026, 3, 29)
    # 02:30 does not exist that night: the window opens at 03:00 CEST (01:00 UTC).
    assert list(working_intervals(early, start, start + 24 * H)) == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC))
    ]


def test_a_window_closing_in_the_autumn_fold_closes_at_the_first_of_the_two_readings():
    early = BusinessCalendar(zone=BERLIN, hours=every_day((time(1), time(2, 30))))
    start = berlin(2026, 10, 25)
    # 01:00 CEST (23:00 UTC) to the first 02:30, still CEST (00:30 UTC): 1.5h.
    assert list(working_intervals(early, start, start + 24 * H)) == [
        (datetime(2026, 10, 24, 23, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    ]


def test_the_same_utc_start_has_different_deadlines_in_new_york_and_tokyo():
    start = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    new_york = BusinessCalendar.weekdays("America/New_York")
    tokyo = BusinessCalendar.weekdays("Asia/Tokyo")
    # New York: 12:00 UTC is 07:00 EST; 09:00 + 4h = 13:00 EST = 18:00 UTC.
    assert add_business_time(new_york, start, 4 * H) == datetime(2026, 3, 4, 18, tzinfo=UTC)
    # Tokyo: 12:00 UTC is 21:00 JST, closed; Thu 09:00 + 4h = 13:00 JST = 04:00 UTC Thu.
    assert add_business_time(tokyo, start, 4 * H) == datetime(2026, 3, 5, 4, tzinfo=UTC)


# --- Waiting on the customer -------------------------------------------------------------


def test_a_pause_in_working_time_moves_the_deadline_by_the_time_paused():
    pause = (berlin(2026, 3, 2, 10), berlin(2026, 3, 2, 11, 30))
    # Mon 09–10 (1h) + 11:30–17 (5.5h) = 6.5h; the last 1.5h is Tue 09:00–10:30.
    due = add_business_time(OFFICE, berlin(2026, 3, 2, 9), 8 * H, [pause])
    assert due == berlin(2026, 3, 3, 10, 30)


def test_a_pause_outside_working_hours_moves_nothing():
    overnight = (berlin(2026, 3, 2, 18), berlin(2026, 3, 3, 8))
    # Mon 09–17 is 8h, Tue 09–11 the other 2h, with or without the pause.
    due = add_business_time(OFFICE, berlin(2026, 3, 2, 9), 10 * H, [overnight])
    assert due == berlin(2026, 3, 3, 11)


def test_a_pause_across_closing_time_counts_only_its_working_part():
    pause = (berlin(2026, 3, 2, 16), berlin(2026, 3, 3, 10))
    # Mon 09–16 is 7h; the clock resumes Tue 10:00 and the 8th hour ends at 11:00.
    due = add_business_time(OFFICE, berlin(2026, 3, 2, 9), 8 * H, [pause])
    assert due == berlin(2026, 3, 3, 11)


def test_overlapping_pauses_are_counted_once():
    pauses = [
        (berlin(2026, 3, 2, 10), berlin(2026, 3, 2, 11)),
        (berlin(2026, 3, 2, 10, 30), berlin(2026, 3, 2, 12)),
    ]
    # Together they stop the clock 10:00–12:00, 2h: 8h − 2h = 6h on Monday.
    monday = business_time_between(OFFICE, berlin(2026, 3, 2, 9), berlin(2026, 3, 2, 17), pauses)
    assert monday == 6 * H
    # So the 8h deadline is Tue 11:00, not 11:30.
    assert add_business_time(OFFICE, berlin(2026, 3, 2, 9), 8 * H, pauses) == berlin(2026, 3, 3, 11)


def test_an_open_pause_leaves_no_deadline():
    waiting: list[Pause] = [(berlin(2026, 3, 2, 10), None)]
    assert deadline(OFFICE, berlin(2026, 3, 2, 9), 8 * H, waiting) is None
    # Time spent so far stops at the pause: 09:00–10:00.
    spent = business_time_between(OFFICE, berlin(2026, 3, 2, 9), berlin(2026, 3, 4), waiting)
    assert spent == H


def test_an_open_pause_after_the_deadline_does_not_matter():
    for paused_at in (berlin(2026, 3, 2, 17), berlin(2026, 3, 2, 18)):
        waiting: list[Pause] = [(paused_at, None)]
        assert deadline(OFFICE, berlin(2026, 3, 2, 9), 8 * H, waiting) == berlin(2026, 3, 2, 17)


def test_add_business_time_refuses_an_open_pause():
    with pytest.raises(ValueError, match="open pause"):
        add_business_time(OFFICE, berlin(2026, 3, 2, 9), H, [(berlin(2026, 3, 2), None)])  # type: ignore[list-item]


def test_a_pause_that_ends_before_it_starts_is_refused():
    backwards = (berlin(2026, 3, 2, 12), berlin(2026, 3, 2, 11))
    with pytest.raises(ValueError, match="before it starts"):
        add_business_time(OFFICE, berlin(2026, 3, 2, 9), H, [backwards])


# --- Refusals -----------------------------------------------------------------------------


def test_naive_datetimes_are_refused_at_the_call():
    naive = datetime(2026, 3, 2, 9)
    aware = berlin(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE, naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(OFFICE, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_intervals(OFFICE, naive, aware)  # not only once iterated
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(OFFICE, aware, H, [(naive, None)])


def test_a_calendar_without_any_working_time_is_refused():
    with pytest.raises(ValueError, match="no working time"):
        BusinessCalendar(zone=BERLIN, hours=(NO_HOURS,) * 7)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        (((time(9), time(13)), (time(12), time(17))), "overlap"),
        (((time(17), time(9)),), "must start before it ends"),
        (((time(9), time(9)),), "must start before it ends"),
        (((time(9), time.max),), "time\\(0\\)"),
        (((time(9, tzinfo=UTC), time(17)),), "local times"),
    ],
)
def test_bad_windows_are_refused_with_a_reason(windows, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(zone=BERLIN, hours=(windows,) + (NO_HOURS,) * 6)


def test_a_calendar_of_holidays_for_more_than_ten_years_gives_up_instead_of_hanging():
    first = date(2026, 1, 1)
    days_off = [first + timedelta(days=n) for n in range(11 * 366)]
    closed = BusinessCalendar.weekdays("Europe/Berlin", holidays=days_off)
    with pytest.raises(ValueError, match="no working time in the ten years"):
        deadline(closed, berlin(2026, 1, 1), H)
    # Measuring the (empty) past needs no search and so no refusal.
    assert business_time_between(closed, berlin(2026, 1, 1), berlin(2036, 1, 1)) == timedelta(0)


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, berlin(2026, 3, 2, 9), -H)


# --- The calendar value -------------------------------------------------------------------


def test_windows_are_kept_in_order_and_equal_calendars_are_interchangeable():
    shuffled = BusinessCalendar(
        zone=BERLIN,
        hours=(((time(13), time(17)), (time(8), time(12))),) + (NO_HOURS,) * 6,
        holidays=frozenset([date(2026, 1, 1)]),
    )
    ordered = BusinessCalendar(
        zone=BERLIN,
        hours=(((time(8), time(12)), (time(13), time(17))),) + (NO_HOURS,) * 6,
        holidays=frozenset([date(2026, 1, 1)]),
    )
    assert shuffled == ordered and hash(shuffled) == hash(ordered)
    assert shuffled.hours[0] == ((time(8), time(12)), (time(13), time(17)))


def test_touching_windows_read_as_one_working_period():
    split = BusinessCalendar(
        zone=BERLIN, hours=(((time(9), time(12)), (time(12), time(17))),) + (NO_HOURS,) * 6
    )
    assert list(working_intervals(split, berlin(2026, 3, 2), berlin(2026, 3, 3))) == [
        (berlin(2026, 3, 2, 9), berlin(2026, 3, 2, 17))
    ]


# --- Properties ---------------------------------------------------------------------------


def _transition_days(zone: ZoneInfo, years: range) -> list[date]:
    """The days on either side of each change of the zone's UTC offset."""
    days = []
    day = date(years.start, 1, 1)
    while day.year < years.stop:
        before = zone.utcoffset(datetime.combine(day - timedelta(days=1), time(12)))
        if zone.utcoffset(datetime.combine(day, time(12))) != before:
            days += [day - timedelta(days=1), day]
        day += timedelta(days=1)
    return days


LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # half-hour DST, 02:00 ↔ 02:30
SANTIAGO = ZoneInfo("America/Santiago")  # DST changes at midnight: 00:00 may not exist
YEARS = range(2025, 2030)
CALENDARS = [
    BusinessCalendar.weekdays("Europe/Berlin", holidays=[date(2026, 4, 6), date(2026, 12, 25)]),
    BusinessCalendar(
        zone=ZoneInfo("America/New_York"),
        hours=(((time(8), time(12)), (time(13), time(17, 30))),) * 5 + (NO_HOURS, NO_HOURS),
    ),
    ALWAYS,
    NIGHT_SHIFT,
    BusinessCalendar(  # windows that open and close inside the gap or the fold
        zone=LORD_HOWE,
        hours=every_day((time(1, 45), time(2, 15)), (time(2, 20), time(9)), (time(20), time(0))),
    ),
    BusinessCalendar(zone=SANTIAGO, hours=every_day((time(0), time(2)), (time(23), time(0)))),
    BusinessCalendar.weekdays("Asia/Tokyo", start=time(10), end=time(18, 30)),
]
TRANSITIONS = sorted(
    {
        datetime.combine(day, time(0), tzinfo=UTC)
        for zone in (BERLIN, LORD_HOWE, SANTIAGO, ZoneInfo("America/New_York"))
        for day in _transition_days(zone, YEARS)
    }
)

calendars = st.sampled_from(CALENDARS)
# Random instants over a few years, half of them within three days of a DST change.
instants = st.one_of(
    st.datetimes(
        min_value=datetime(YEARS.start, 1, 1),
        max_value=datetime(YEARS.stop - 1, 12, 31),
        timezones=st.just(UTC),
    ),
    st.builds(
        lambda base, shift: base + shift,
        st.sampled_from(TRANSITIONS),
        st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
    ),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=200 * H)
# Pauses as (offset from the start, length), so they land near the clock's run.
raw_pauses = st.lists(
    st.tuples(
        st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=20)),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    ),
    max_size=4,
)
modest = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pauses(
    start: datetime, raw: list[tuple[timedelta, timedelta]]
) -> list[tuple[datetime, datetime]]:
    return [(start + offset, start + offset + length) for offset, length in raw]


def _in_working_time(cal: BusinessCalendar, moment: datetime) -> bool:
    """Inside a working period or at its end."""
    periods = working_intervals(cal, moment - 2 * 24 * H, moment + 2 * 24 * H)
    return any(start < moment <= end for start, end in periods)


@modest
@given(calendars, instants, durations, raw_pauses)
def test_the_time_between_start_and_deadline_is_the_duration(cal, start, duration, raw):
    pauses = _pauses(start, raw)
    due = add_business_time(cal, start, duration, pauses)
    assert due >= start
    assert business_time_between(cal, start, due, pauses) == duration
    if duration:
        assert _in_working_time(cal, due)


@modest
@given(calendars, instants, durations, durations, raw_pauses)
def test_a_longer_duration_never_ends_earlier(cal, start, one, other, raw):
    shorter, longer = sorted((one, other))
    pauses = _pauses(start, raw)
    assert add_business_time(cal, start, shorter, pauses) <= add_business_time(
        cal, start, longer, pauses
    )


@modest
@given(calendars, instants, durations, durations, raw_pauses)
def test_adding_in_two_steps_is_adding_the_sum(cal, start, first, second, raw):
    pauses = _pauses(start, raw)
    halfway = add_business_time(cal, start, first, pauses)
    assert add_business_time(cal, halfway, second, pauses) == add_business_time(
        cal, start, first + second, pauses
    )


@modest
@given(calendars, instants, st.lists(durations, min_size=2, max_size=2), raw_pauses)
def test_time_between_adds_up_over_consecutive_spans(cal, start, gaps, raw):
    middle, end = start + gaps[0], start + gaps[0] + gaps[1]
    pauses = _pauses(start, raw)
    whole = business_time_between(cal, start, end, pauses)
    parts = business_time_between(cal, start, middle, pauses) + business_time_between(
        cal, middle, end, pauses
    )
    assert whole == parts
    if not pauses:
        periods = working_intervals(cal, start, end)
        assert whole == sum((stop - begin for begin, stop in periods), timedelta(0))


@modest
@given(calendars, instants, durations, raw_pauses)
def test_pauses_never_bring_a_deadline_forward(cal, start, duration, raw):
    pauses = _pauses(start, raw)
    assert add_business_time(cal, start, duration, pauses) >= add_business_time(
        cal, start, duration
    )


@modest
@given(calendars, instants, durations, raw_pauses, st.timedeltas(timedelta(days=-1), 30 * 24 * H))
def test_an_open_pause_leaves_the_deadline_only_if_it_came_first(cal, start, duration, raw, wait):
    pauses = _pauses(start, raw)
    waiting_from = start + wait
    due = add_business_time(cal, start, duration, pauses)
    expected = due if not duration or due <= waiting_from else None
    assert deadline(cal, start, duration, [*pauses, (waiting_from, None)]) == expected


@modest
@given(
    st.sampled_from([BERLIN, LORD_HOWE, SANTIAGO, ZoneInfo("America/New_York")]),
    st.one_of(
        st.sampled_from(sorted({moment.date() for moment in TRANSITIONS})),
        st.dates(min_value=date(YEARS.start, 1, 1), max_value=date(YEARS.stop - 1, 12, 31)),
    ),
    st.one_of(
        st.sampled_from([time(0, 30), time(1, 59), time(2), time(2, 15), time(2, 30), time(3)]),
        st.times(min_value=time(0, 0, 1)),
    ),
)
def test_a_window_opens_at_the_first_instant_its_local_clock_reads_at_least_its_start(
    zone, day, opening
):
    # The documented rule in one sentence: a missing local time means the end of the
    # gap, a doubled one the first of its two instants. Only that weekday is open, so
    # the day before cannot run on into it.
    hours = tuple(((opening, time(0)),) if n == day.weekday() else NO_HOURS for n in range(7))
    cal = BusinessCalendar(zone=zone, hours=hours)
    around = datetime.combine(day, time(0), tzinfo=UTC) - 15 * H
    (period,) = working_intervals(cal, around, around + 48 * H)

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    for instant, reading in (
        (period[0], datetime.combine(day, opening)),
        (period[1], datetime.combine(day + timedelta(days=1), time(0))),
    ):
        assert wall(instant) >= reading > wall(instant - timedelta(microseconds=1))
