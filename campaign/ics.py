"""Calendar files: a group's meetings as iCalendar, its time zone described by yearly rules as calendar servers do.

icalendar's own VTIMEZONE lists every change of offset as a date (``RDATE``) up to 2038, which some
readers (vobject) misapply. Here each kind of change found in the zoneinfo data around the meetings
("last Sunday of March at 02:00", "second Sunday of March") becomes one ``STANDARD`` or ``DAYLIGHT``
observance with an ``RRULE``; a zone without changes gets a single ``STANDARD``; a change that
follows no yearly pattern (a zone abolishing summer time) is kept as a dated observance.
"""
from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset, daylight flag or abbreviation."""

    at: datetime  # UTC
    before: timedelta
    after: timedelta
    dst: bool
    name: str

    @property
    def wall(self) -> datetime:
        """The wall-clock time of the change, in the offset in force before it (naive, as DTSTART wants)."""
        return (self.at + self.before).replace(tzinfo=None)


def _state(tz: ZoneInfo, moment: datetime) -> tuple[timedelta, bool, str]:
    local = moment.astimezone(tz)
    return local.utcoffset(), bool(local.dst()), local.tzname() or ""


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change in ``tz`` between two UTC instants, found day by day and then to the second."""
    found = []
    moment, state = start, _state(tz, start)
    while moment < end:
        following = moment + DAY
        if _state(tz, following) != state:
            low, high = moment, following  # the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _state(tz, middle) == state else (low, middle)
            after = _state(tz, high)
            found.append(Transition(high.replace(microsecond=0), state[0], after[0], after[1], after[2]))
            state = after
        moment = following
    return found


def _position(day: datetime) -> tuple[int, bool]:
    """Which weekday of its month a date is (1 to 5), and whether it is the month's last one."""
    return (day.day - 1) // 7 + 1, day.day + 7 > gregorian.monthrange(day.year, day.month)[1]


def _yearly_rule(group: list[Transition], last_year: int) -> dict | None:
    """An RRULE for changes that fall on the same weekday of the same month in consecutive years, else None."""
    walls = [t.wall for t in group]
    if len(walls) < 2 or [w.year for w in walls] != list(range(walls[0].year, walls[0].year + len(walls))):
        return None
    positions = [_position(w) for w in walls]
    if all(last for _, last in positions):
        which = -1
    elif len({n for n, _ in positions}) == 1:
        which = positions[0][0]
    else:
        return None
    rule = {"FREQ": "YEARLY", "BYMONTH": walls[0].month, "BYDAY": f"{which}{WEEKDAYS[walls[0].weekday()]}"}
    if walls[-1].year < last_year:  # the rule ended inside the window
        # A day past the last change: readers that take UNTIL as wall-clock time (vobject) still keep it,
        # and the next yearly one cannot fall that soon.
        rule["UNTIL"] = group[-1].at + DAY
    return rule


def _observance(dst: bool, start: datetime, before: timedelta, after: timedelta, name: str):
    part = TimezoneDaylight() if dst else TimezoneStandard()
    part.add("dtstart", start)
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", after)
    if name:
        part.add("tzname", name)
    return part


def vtimezone(tz: ZoneInfo, first: datetime, last: datetime) -> Timezone:
    """A VTIMEZONE for ``tz`` valid for instants from ``first`` to ``last`` (UTC), and in the years around them."""
    start = datetime(first.year - 1, 1, 1, tzinfo=timezone.utc)
    end = datetime(last.year + 2, 1, 1, tzinfo=timezone.utc)
    component = Timezone()
    component.add("tzid", tz.key)
    changes = transitions(tz, start, end)
    offset, dst, name = _state(tz, start)
    if not changes or changes[0].at > first:  # what holds before the first change (or always)
        component.add_component(_observance(dst, datetime(1970, 1, 1), offset, offset, name))
    kinds: dict[tuple, list[Transition]] = {}
    for change in changes:
        kind = (change.wall.month, change.wall.weekday(), change.wall.time(), change.before, change.after,
                change.dst, change.name)
        kinds.setdefault(kind, []).append(change)
    rules = [_yearly_rule(group, end.year - 1) for group in kinds.values()]
    # When the zone's present rules held all through the window, they start in 1970 as calendar servers
    # write them: then every file describes the zone alike, whatever its meetings' dates (vobject keeps
    # the first definition of a TZID it reads for the rest of the process).
    timeless = all(rule and "UNTIL" not in rule for rule in rules)
    for group, rule in zip(kinds.values(), rules):
        head = group[0]
        onset = _in_1970(head.wall, rule) if timeless else head.wall
        part = _observance(head.dst, onset, head.before, head.after, head.name)
        if rule:
            part.add("rrule", rule)
        else:
            for other in group[1:]:
                part.add("rdate", other.wall)
        component.add_component(part)
    return component


def _in_1970(wall: datetime, rule: dict) -> datetime:
    """The rule's first occurrence in 1970, at the same wall-clock time."""
    which, weekday = int(rule["BYDAY"][:-2]), WEEKDAYS.index(rule["BYDAY"][-2:])
    days = [d for d in range(1, gregorian.monthrange(1970, wall.month)[1] + 1)
            if gregorian.weekday(1970, wall.month, d) == weekday]
    return wall.replace(year=1970, day=days[which - 1 if which > 0 else which])


def calendar_ics(group, host: str, url: str) -> bytes:
    """The group's meetings as an iCalendar file, in the group's time zone."""
    cal = Calendar()
    cal.add("prodid", "-//Handbill//Study groups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    tz = group.zone
    if group.meetings and tz.key != "UTC":
        utc = [m.starts_at.replace(tzinfo=timezone.utc) for m in group.meetings]
        ends = [m.ends_at.replace(tzinfo=timezone.utc) for m in group.meetings]
        cal.add_component(vtimezone(tz, min(utc), max(ends)))
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    for meeting in group.meetings:
        start, end = meeting.local(tz)
        event = Event()
        event.add("uid", f"{group.key}-{meeting.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", group.title)
        event.add("location", group.city if not group.online else "Online")
        if group.description:
            event.add("description", group.description)
        event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()
