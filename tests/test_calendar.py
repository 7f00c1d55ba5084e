"""Calendar files: two independent parsers (icalendar, vobject) place every meeting at its stored UTC time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import vobject
from icalendar import Calendar

from campaign import accounts, groups
from campaign.db import db
from groups_support import add_organizer, gapp, gclient, gconfig  # noqa: F401 - study-group fixtures

UTC = timezone.utc


def meetings_in(years) -> list[datetime]:
    """Meetings (UTC, naive as stored) in every month of ``years``, plus some just after the usual changes."""
    found = [datetime(y, m, 15, 17, 30) for y in years for m in range(1, 13)]
    for y in years:  # the mornings after Europe's and America's spring and autumn changes
        found += [datetime(y, 3, d, 9, 0) for d in (9, 10, 12, 14, 26, 28, 31)]
        found += [datetime(y, 10, d, 9, 0) for d in (26, 28, 31)] + [datetime(y, 11, d, 9, 0) for d in (2, 4, 8)]
    return sorted(set(found))


def add_zoned_group(app, zone: str, starts: list[datetime]) -> str:
    owner = add_organizer(app)
    data = groups.GroupInput(title="Reading Burning Country", description="", pamphlet=None, language="en",
                             city="Berlin", online=False, timezone=zone,
                             meetings=[(s, s + timedelta(hours=2)) for s in starts], capacity=10, listed=True,
                             signups_open=True)
    with app.app_context():
        return groups.create_group(db.session.get(accounts.User, owner), data).key


@pytest.mark.parametrize("zone,years", [
    ("Europe/Berlin", (2030,)),
    ("America/New_York", (2030, 2031)),
    ("Asia/Damascus", (2030,)),  # no summer time since late 2022: one offset all year
    ("Asia/Damascus", (2021, 2022, 2023)),  # the years summer time ended
    ("UTC", (2030,)),
    ("America/Santiago", (2030,)), ("Asia/Gaza", (2030,)), ("Africa/Casablanca", (2030,)), ("Australia/Sydney", (2030,)),
])
def test_icalendar_and_vobject_agree_on_every_meeting(gapp, gclient, zone, years):
    starts = meetings_in(years)
    key = add_zoned_group(gapp, zone, starts)
    ics = gclient.get(f"/groups/{key}/calendar.ics").data
    expected = [s.replace(tzinfo=UTC) for s in starts]

    # vobject keeps the first definition of a TZID it reads for the whole process: read this file's own
    vobject.icalendar.registerTzid(zone, None)
    cal = Calendar.from_ical(ics)
    by_icalendar = sorted(e["DTSTART"].dt.astimezone(UTC) for e in cal.walk("VEVENT"))
    by_vobject = sorted(e.dtstart.value.astimezone(UTC) for e in vobject.readOne(ics.decode()).vevent_list)
    assert by_icalendar == expected
    assert by_vobject == expected
    assert all(str(e["DTSTART"].dt.tzinfo) == zone for e in cal.walk("VEVENT"))

    # the file's own VTIMEZONE (not the reader's zone database) gives the same instants
    zones = cal.walk("VTIMEZONE")
    if zone == "UTC":
        assert not zones and b"DTSTART:" in ics and b"Z\r\n" in ics
        return
    described = zones[0].to_tz(lookup_tzid=False)
    local = [e["DTSTART"].dt.replace(tzinfo=None) for e in cal.walk("VEVENT")]
    assert sorted(t.replace(tzinfo=described).astimezone(UTC) for t in local) == expected


@pytest.mark.parametrize("zone,rules", [
    ("Europe/Berlin", {"DAYLIGHT": "BYDAY=-1SU;BYMONTH=3", "STANDARD": "BYDAY=-1SU;BYMONTH=10"}),
    ("America/New_York", {"DAYLIGHT": "BYDAY=2SU;BYMONTH=3", "STANDARD": "BYDAY=1SU;BYMONTH=11"}),
])
def test_time_zones_with_summer_time_are_yearly_rules(gapp, gclient, zone, rules):
    key = add_zoned_group(gapp, zone, [datetime(2030, 1, 15, 17), datetime(2030, 7, 15, 17)])
    timezone_component = Calendar.from_ical(gclient.get(f"/groups/{key}/calendar.ics").data).walk("VTIMEZONE")[0]
    parts = {p.name: p for p in timezone_component.subcomponents}
    assert set(parts) == {"DAYLIGHT", "STANDARD"}
    for name, rule in rules.items():
        assert "RDATE" not in parts[name]
        assert rule in parts[name]["RRULE"].to_ical().decode() and "UNTIL" not in parts[name]["RRULE"]
        assert parts[name]["DTSTART"].dt.year == 1970  # the same description in every file


def test_a_zone_without_summer_time_is_one_standard_observance(gapp, gclient):
    key = add_zoned_group(gapp, "Asia/Damascus", [datetime(2030, 1, 15, 17), datetime(2030, 7, 15, 17)])
    timezone_component = Calendar.from_ical(gclient.get(f"/groups/{key}/calendar.ics").data).walk("VTIMEZONE")[0]
    [standard] = timezone_component.subcomponents
    assert standard.name == "STANDARD"
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td == timedelta(hours=3)
