"""Business-time arithmetic for SLA clocks: working time counted on a team's calendar.

A case must be acknowledged or resolved within an amount of *working* time ("8
business hours"), counted on the owning team's calendar, with the clock stopped while
the case waits on the customer. Everything here is pure computation on aware
datetimes; nothing touches Django or the database.

Decisions that callers can rely on:

- Business time is REAL elapsed time inside working windows. Windows are local
  wall-clock times, turned into instants day by day with the calendar's zone, so a
  09:00–17:00 window always opens at 09:00 and closes at 17:00 local time. A window
  that contains a spring-forward gap is an hour shorter in real time, one that
  contains an autumn fold an hour longer.
- A local time that does not exist (inside a spring-forward gap) means the first real
  instant after the gap; an ambiguous one (inside an autumn fold) means the earlier of
  its two instants (fold=0). So on the night Berlin goes from 02:00 to 03:00 a window
  opening at 02:30 opens at 03:00, and on the night it goes back a window closing at
  02:30 closes at the first 02:30.
- A window ending at `time(0)` ends at the midnight that closes its day: that is how
  a window reaches the end of the day (`time.max` is refused because it would lose a
  microsecond a day). Night shifts are written as two windows, one ending at
  midnight, the next day's starting at it.
- Holidays are local dates on which that date's windows do not open.
- Every datetime this module returns is in UTC. Python compares and subtracts two
  datetimes sharing a tzinfo by their wall clocks, ignoring `fold`, which is wrong
  across an autumn fold; UTC results cannot fall into that trap. Convert for display.
- A pause with no end (still waiting on the customer) stops the clock for good:
  `deadline` answers None, `add_business_time` only accepts closed pauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = [
    "BusinessCalendar",
    "ClosedPause",
    "Pause",
    "Window",
    "add_business_time",
    "business_time_between",
    "deadline",
    "working_intervals",
]

# A local wall-clock window within one day; an end of time(0) means the midnight after.
Window = tuple[time, time]
# A stretch during which the SLA clock is stopped; an end of None means "still stopped".
Pause = tuple[datetime, datetime | None]
ClosedPause = tuple[datetime, datetime]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1)  # naive UTC, like every instant inside this module
_MIDNIGHT = time(0)
# A window bound as a day's local wall-clock reading in both folds, ready to combine
# with a date: (time with fold=0, same time with fold=1, days after the window's date).
_Bound = tuple[time, time, int]
# How long a deadline search walks without meeting a single working window before it
# decides the calendar has none, rather than looping until year 9999.
SEARCH_HORIZON_DAYS = 3653


@dataclass(frozen=True)
class BusinessCalendar:
    """When a team works: weekly local windows, in a time zone, minus holidays.

    `hours[0]` is Monday's windows, `hours[6]` Sunday's. Windows of a day must not
    overlap (touching is fine); they are stored sorted by start.
    """

    zone: ZoneInfo
    hours: tuple[tuple[Window, ...], ...]
    holidays: frozenset[date] = frozenset()
    # Derived from `hours` once, because making fold=1 twins of times per window per
    # day was most of the cost of a long walk.
    _bounds: tuple[tuple[tuple[_Bound, _Bound], ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.zone, ZoneInfo):
            raise ValueError(f"zone must be a zoneinfo.ZoneInfo, got {self.zone!r}")
        if len(self.hours) != 7:
            raise ValueError(f"hours needs one entry per weekday (7), got {len(self.hours)}")
        days = zip(WEEKDAY_NAMES, self.hours, strict=True)
        hours = tuple(_checked_day(name, windows) for name, windows in days)
        if not any(hours):
            raise ValueError("the calendar has no working time on any day of the week")
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            # A datetime is a date too, and would silently never match a local date.
            if not isinstance(holiday, date) or isinstance(holiday, datetime):
                raise ValueError(f"holidays must be dates, got {holiday!r}")
        # Frozen: normalising the fields in place is the one sanctioned way round it.
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(
            self,
            "_bounds",
            tuple(
                tuple((_bound(start, is_end=False), _bound(end, is_end=True)) for start, end in day)
                for day in hours
            ),
        )

    @classmethod
    def weekdays(
        cls,
        zone: str | ZoneInfo,
        *,
        start: time = time(9),
        end: time = time(17),
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """Monday to Friday, the same window every day, e.g. 09:00–17:00."""
        workday = ((start, end),)
        return cls(zone=_zone(zone), hours=(workday,) * 5 + ((), ()), holidays=frozenset(holidays))

    @classmethod
    def always(
        cls, zone: str | ZoneInfo = "UTC", *, holidays: Iterable[date] = ()
    ) -> BusinessCalendar:
        """Around the clock, every day (24/7 support), except any holidays."""
        whole_day = ((_MIDNIGHT, _MIDNIGHT),)
        return cls(zone=_zone(zone), hours=(whole_day,) * 7, holidays=frozenset(holidays))


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def _bound(moment: time, *, is_end: bool) -> _Bound:
    if is_end and moment == _MIDNIGHT:
        return (_MIDNIGHT, _MIDNIGHT.replace(fold=1), 1)
    return (moment, moment.replace(fold=1), 0)


def _since_midnight(moment: time, *, is_end: bool) -> timedelta:
    if is_end and moment == _MIDNIGHT:
        return _DAY
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _checked_day(name: str, windows: Iterable[Window]) -> tuple[Window, ...]:
    checked: list[Window] = []
    for window in windows:
        start, end = window
        for moment in (start, end):
            if not isinstance(moment, time) or moment.tzinfo is not None:
                raise ValueError(f"{name}: window bounds must be local times, got {moment!r}")
        if end == time.max:
            raise ValueError(f"{name}: use time(0) as the end of a window that lasts to midnight")
        if _since_midnight(start, is_end=False) >= _since_midnight(end, is_end=True):
            raise ValueError(
                f"{name}: window {start}–{end} must start before it ends "
                "(time(0) as the end means midnight at the end of the day)"
            )
        checked.append((start.replace(fold=0), end.replace(fold=0)))
    checked.sort(key=lambda window: window[0])
    for (earlier_start, earlier_end), (later_start, later_end) in pairwise(checked):
        if _since_midnight(earlier_end, is_end=True) > _since_midnight(later_start, is_end=False):
            raise ValueError(
                f"{name}: windows {earlier_start}–{earlier_end} and "
                f"{later_start}–{later_end} overlap"
            )
    return tuple(checked)


def _utc(moment: datetime, what: str) -> datetime:
    """`moment` as a naive UTC datetime, the form every instant takes inside this module.

    Naive UTC keeps arithmetic exact (no wall-clock subtraction of aware datetimes
    sharing a tzinfo) and cheap; results get their tzinfo back on the way out.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC)


def _instant(zone: ZoneInfo, day: date, bound: _Bound) -> datetime:
    """The real instant (naive UTC) at which a window bound falls on a local day."""
    moment, folded, days_later = bound
    if days_later:
        day += _DAY
    local = datetime.combine(day, moment)
    offset = zone.utcoffset(local)
    folded_offset = zone.utcoffset(datetime.combine(day, folded))
    if offset is None or folded_offset is None:
        raise ValueError(f"the time zone {zone} gives no UTC offset for {local}")
    first = local - offset
    if offset == folded_offset:
        return first
    second = local - folded_offset
    if second > first:
        # In an autumn fold fold=1 is the later instant; the earlier one wins.
        return first
    # In a spring gap fold=1 applies the offset from after the transition and lands
    # before it, fold=0 the offset from before and lands after it: the transition,
    # the first real instant after the gap, lies in between.
    return _transition(zone, after=second, until=first)


def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return _aware(instant).astimezone(zone).utcoffset()


def _transition(zone: ZoneInfo, *, after: datetime, until: datetime) -> datetime:
    """The instant in (after, until] where the zone's UTC offset changes, by bisection.

    Time-zone transitions fall on whole seconds (tzdata stores them so), and this only
    runs for window bounds that fall in a gap, so a dozen steps on rare days is cheap.
    """
    offset_before = _offset_at(zone, after)
    low = (after - _EPOCH) // _SECOND  # floor: still before the transition
    high = -((_EPOCH - until) // _SECOND)  # ceiling: already after it
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(zone, _EPOCH + middle * _SECOND) == offset_before:
            low = middle
        else:
            high = middle
    return _EPOCH + high * _SECOND


def _windows(
    cal: BusinessCalendar, since: datetime, until: datetime | None, *, must_find: bool
) -> Iterator[tuple[datetime, datetime]]:
    """Working windows in naive UTC, in order, clipped to start no earlier than `since`.

    Walks local days from the one `since` falls on up to the one after `until` (or
    for ever). With `must_find`, gives up with ValueError after SEARCH_HORIZON_DAYS
    without any working window, so a calendar of nothing but holidays cannot hang.
    """
    zone = cal.zone
    day = _aware(since).astimezone(zone).date()
    last_day = None if until is None else _aware(until).astimezone(zone).date() + _DAY
    last_working_day = day
    previous_end = since
    try:
        while last_day is None or day <= last_day:
            windows = () if day in cal.holidays else cal._bounds[day.weekday()]
            for start_bound, end_bound in windows:
                start = _instant(zone, day, start_bound)
                end = _instant(zone, day, end_bound)
                # Never start before `since` nor before the window before it ended.
                start = max(start, previous_end)
                if end > start:
                    yield start, end
                    previous_end = end
                    last_working_day = day
            if must_find and (day - last_working_day).days > SEARCH_HORIZON_DAYS:
                raise ValueError(
                    f"the calendar has no working time in the ten years after {last_working_day}"
                )
            day += _DAY
    except OverflowError:
        if must_find:
            raise ValueError("the calendar has no working time before the year 9999") from None


def _merged_pauses(pauses: Iterable[Pause]) -> tuple[list[ClosedPause], datetime | None]:
    """Closed pauses in UTC, sorted and merged, and when an open pause stops the clock."""
    closed: list[ClosedPause] = []
    stopped_from: datetime | None = None
    for pause_start, pause_end in pauses:
        start = _utc(pause_start, "a pause's start")
        if pause_end is None:
            stopped_from = start if stopped_from is None else min(stopped_from, start)
            continue
        end = _utc(pause_end, "a pause's end")
        if end < start:
            raise ValueError(f"a pause ends ({pause_end}) before it starts ({pause_start})")
        if end > start:
            closed.append((start, end))
    closed.sort()
    merged: list[ClosedPause] = []
    for start, end in closed:
        # Overlapping or touching pauses stop the clock once, not twice.
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged, stopped_from


def _clock_running(
    cal: BusinessCalendar,
    since: datetime,
    pauses: Iterable[Pause],
    *,
    until: datetime | None,
    must_find: bool,
) -> Iterator[tuple[datetime, datetime]]:
    """The stretches from `since` to `until` (or an open pause) when the clock runs."""
    closed, stopped_from = _merged_pauses(pauses)
    if stopped_from is not None:
        until = stopped_from if until is None else min(until, stopped_from)
    index = 0
    for window_start, window_end in _windows(cal, since, until, must_find=must_find):
        start, end = window_start, window_end
        if until is not None:
            if start >= until:
                return
            end = min(end, until)
        while index < len(closed) and closed[index][1] <= start:
            index += 1
        while index < len(closed) and closed[index][0] < end:
            pause_start, pause_end = closed[index]
            if pause_start > start:
                yield start, pause_start
            if pause_end >= end:
                # The pause runs on into later windows; keep it for them.
                start = end
                break
            start = max(start, pause_end)
            index += 1
        if start < end:
            yield start, end


def working_intervals(
    cal: BusinessCalendar, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The working periods within [start, end), in UTC, clipped to it.

    Windows that touch (12:00–13:00 then 13:00–17:00, or a night shift across
    midnight) come out as one period.
    """
    # Checked here, not in the generator, so bad input fails at the call, not later.
    since, until = _utc(start, "start"), _utc(end, "end")
    return _merged_periods(cal, since, until)


def _merged_periods(
    cal: BusinessCalendar, since: datetime, until: datetime
) -> Iterator[tuple[datetime, datetime]]:
    current: tuple[datetime, datetime] | None = None
    for window_start, window_end in _windows(cal, since, until, must_find=False):
        if window_start >= until:
            break
        window = (window_start, min(window_end, until))
        if current is not None and window[0] <= current[1]:
            current = (current[0], window[1])
            continue
        if current is not None:
            yield _aware(current[0]), _aware(current[1])
        current = window
    if current is not None:
        yield _aware(current[0]), _aware(current[1])


def business_time_between(
    cal: BusinessCalendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> timedelta:
    """Working time in [start, end), less the working time inside any pause.

    An open pause (end None) counts as paused up to `end`; pauses may overlap. Zero
    when `end` is not after `start`.
    """
    since, until = _utc(start, "start"), _utc(end, "end")
    if until <= since:
        return timedelta(0)
    total = timedelta(0)
    for running_start, running_end in _clock_running(
        cal, since, pauses, until=until, must_find=False
    ):
        total += running_end - running_start
    return total


def deadline(
    cal: BusinessCalendar, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """When `duration` of working time since `start` is used up, in UTC; None if never.

    The earliest instant t >= start with business_time_between(cal, start, t, pauses)
    == duration. A start outside working time starts the clock at the next working
    moment; a zero duration is `start` itself. None means an open pause stops the
    clock before the time is used up: the case is waiting on the customer and has no
    deadline. ValueError for a negative duration or a calendar without working time
    in the next ten years.
    """
    since = _utc(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return _aware(since)
    remaining = duration
    for running_start, running_end in _clock_running(
        cal, since, pauses, until=None, must_find=True
    ):
        if running_end - running_start >= remaining:
            return _aware(running_start + remaining)
        remaining -= running_end - running_start
    return None


def add_business_time(
    cal: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[ClosedPause] = (),
) -> datetime:
    """`start` plus `duration` of working time, in UTC, skipping the (closed) pauses.

    Same rules as `deadline`, which is the one to use while a pause may be open.
    """
    closed = list(pauses)
    if any(pause_end is None for _, pause_end in closed):
        raise ValueError(
            "an open pause stops the clock for good: use deadline(), which may be None"
        )
    result = deadline(cal, start, duration, closed)
    # Only an open pause can stop the walk short, and those were refused above.
    assert result is not None
    return result
