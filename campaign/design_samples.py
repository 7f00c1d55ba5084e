"""Sample leaflets of every design, made from the library: for the contact sheet, thumbnails and checks.

A sample is a gathered context (see :func:`campaign.leaflets.gather`) for a design and size with the
library's shortest (or a long) verified quotation(s); the photo poster gets a made-up photograph and
the study group poster a made-up group when the site has none, so every design can be shown.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from io import BytesIO

from . import images, leaflets, quotes
from .designs import DESIGNS

HEADLINES = {"en": "Who talks to Syrians?", "ru": "Кто говорит с сирийцами?", "ar": "من يتحدث إلى السوريين؟"}
ACTIONS = {"en": "Read the interview with us: an open reading group.",
           "ru": "Прочитайте интервью вместе с нами: открытый кружок чтения.",
           "ar": "اقرأوا المقابلة معنا: حلقة قراءة مفتوحة."}
GROUPS = {"en": ("Reading Burning Country", "Berlin"), "ru": ("Читаем «Горящую страну»", "Тбилиси"),
          "ar": ("نقرأ «بلد يحترق»", "بيروت")}
QR_URL = "https://handbill.example.org/g/sample"


def sample_photo() -> images.StoredImage:
    """A made-up photograph (sky, hills, a street of houses) standing in for an uploaded one."""
    from PIL import Image, ImageDraw

    width, height = 900, 600
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 2):  # a dusk sky, lighter towards the sun on the right
        for y in range(0, 440, 2):
            t, u = y / height, x / width
            draw.rectangle([x, y, x + 1, y + 1], fill=(int(70 + 150 * t + 30 * u), int(90 + 80 * t + 10 * u),
                                                        int(140 - 40 * t - 20 * u)))
    draw.polygon([(0, 420), (250, 300), (520, 380), (900, 280), (900, 600), (0, 600)], fill=(60, 62, 58))
    for i, x in enumerate(range(20, 900, 95)):
        top = 330 + (i * 37) % 90
        draw.rectangle([x, top, x + 70, 600], fill=(150 + (i * 23) % 60, 120 + (i * 11) % 40, 95))
        for wy in range(top + 15, 580, 40):
            draw.rectangle([x + 12, wy, x + 26, wy + 16], fill=(40, 40, 45))
            draw.rectangle([x + 44, wy, x + 58, wy + 16], fill=(230, 200, 120) if (wy + x) % 3 else (40, 40, 45))
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return images.StoredImage(id=0, data=out.getvalue(), mime="image/jpeg", width=width, height=height,
                              credit="Handbill sample photo", licence="CC0", alt="Houses on a hillside at dusk")


def sample_group(lang: str) -> dict:
    """A made-up study group as an event poster prints it (title, meetings in words, place)."""
    from . import languages

    title, city = GROUPS.get(lang, GROUPS["en"])
    first = datetime(2026, 12, 3, 19, 0)
    meetings = []
    for i in range(4):
        starts = first + timedelta(days=7 * i)
        if lang == "en":
            from babel.dates import format_datetime

            day = format_datetime(starts, "EEEE d MMMM y", locale="en")
        else:
            day = languages.format_date(starts, lang, "weekday")
        meetings.append({"day": day, "time": f"{languages.format_date(starts, lang, 'time')}–"
                                             f"{languages.format_date(starts + timedelta(hours=2), lang, 'time')}"})
    return {"key": "sample", "title": title, "place": city, "online": False, "meetings": meetings, "language": lang}


def quote_ids(count: int, longest: bool = False) -> list[str]:
    """``count`` printable quotations: the shortest, or long ones (the longest that still suit a poster)."""
    found = quotes.search("")
    ranked = sorted(found, key=lambda q: (len(q.text), q.position), reverse=longest)
    if longest:  # long, but not the few that no single poster could take at a readable size
        ranked = [q for q in ranked if len(q.text) <= 420] or ranked
    return [q.id for q in ranked[:count]]


COUNTS = {"poster": 1, "photo-poster": 1, "flyer": 3, "handout": 4, "two-up": 2, "stickers": 4, "event": 0}


def context(design: str, size: str, lang: str = "en", *, longest: bool = False, orientation: str = "portrait",
            palette: str = "", bleed: bool = True) -> dict:
    """A gathered leaflet context for ``design`` on ``size``, ready for :func:`campaign.leaflets.render`."""
    d = DESIGNS[design]
    count = COUNTS.get(design, 1)
    ids = quote_ids(count, longest) if count else []
    data = {"kind": "leaflet", "design": design, "size": size, "orientation": orientation, "quotes": ids,
            "headline": "" if design in ("stickers", "event") else HEADLINES.get(lang, HEADLINES["en"]),
            "call_to_action": "" if design in ("stickers", "event") else ACTIONS.get(lang, ACTIONS["en"]),
            "qr_url": "" if design in ("stickers", "event") else QR_URL, "lang": lang, "bleed": bleed,
            "palette": palette}
    if lang != "en":
        data["quotations"] = "translated"
        data["drafts"] = True
    if d.photo or d.group:  # validated as a poster, then given the made-up photo or group
        spec = leaflets.validate({**data, "design": "poster", "size": "A4", "quotes": ids or quote_ids(1)})
        spec = replace(spec, design=design, size=size, quotes=tuple(ids), image=0 if d.photo else None,
                       group="sample" if d.group else "", qr_url=QR_URL)
    else:
        spec = leaflets.validate(data)
    return leaflets.gather(spec, photo=sample_photo() if d.photo else None,
                           group=sample_group(lang) if d.group else None)
