"""Two kinds of batch build that were downloads before: a ZIP of quote cards and a reading pack's PDF."""
from __future__ import annotations

from flask import current_app

from . import brand as brands, cards, cards_batch, highlight, images, packs, quotes, render as renderer, translations
from .build_plan import BuildError, composite_key, zip_bytes
from .localized import gettext_for

CARDS_VERSION = "1"


def _cache_dir(sub: str = "") -> str | None:
    base = current_app.config.get("CACHE_DIR")
    return (f"{base}/{sub}" if sub else base) if base else None


def card_item(quote_id: str, fmt: str, palette: str, mark: str, lang: str, drafts: bool, source_url: str, *,
              layout: str = cards.DEFAULT_LAYOUT, highlight: str = "", image: int | None = None) -> dict:
    """One card of a ZIP as plain data (what the job needs to make it again)."""
    return {"quote": quote_id, "format": fmt, "palette": palette, "mark": mark, "lang": lang or "",
            "drafts": bool(drafts), "source_url": source_url, "layout": layout, "highlight": highlight,
            "image": image}


def cards_key(keys: list[str], names: list[str]) -> str:
    """A card ZIP's content key: its cards' keys and file names."""
    return composite_key("cards", CARDS_VERSION, [keys, names])


def card_data(quote, lang: str, drafts: bool) -> cards.CardQuote:
    """A card's data in the batch's language (``MissingTranslation`` when it has none it may print)."""
    if not lang or lang == "en":
        return cards.card_quote(quote)
    return cards.card_quote(quote, gettext_for(lang), lang=lang, drafts=drafts)


def cards_zip(spec: dict, progress) -> bytes:
    """The job of a card ZIP: every card (several at a time), ``alt-text.csv`` and ``alt-text.txt``."""
    items = spec["items"]
    kit = brands.current()
    jobs = []
    for item in items:
        quote = quotes.get_verified(item["quote"])
        if quote is None:
            raise BuildError("input", f"quotation {item['quote']!r} is no longer in the library")
        try:
            data = card_data(quote, item["lang"], item["drafts"])
        except translations.MissingTranslation as exc:
            raise BuildError("input", exc.message) from None
        photo = None
        if item.get("image") is not None:
            try:
                photo = images.load(int(item["image"]))
            except LookupError:
                raise BuildError("input", "the photo is no longer in the photo library") from None
        jobs.append(cards_batch.Job(data, item["format"], item["palette"], item["mark"], _cache_dir("cards"),
                                    item["source_url"], item.get("layout") or cards.DEFAULT_LAYOUT,
                                    highlight.parse(item.get("highlight")), photo, kit))
    results = []
    progress(0, len(jobs), "")
    for result in cards_batch.build(jobs, workers=renderer.current_limits().slots):
        results.append(result)
        progress(len(results), len(jobs), result.filename)
    made = [r for r in results if r.png]
    if not made:
        raise BuildError("render", "; ".join(f"{r.filename}: {r.error}" for r in results[:3]))
    order = {(j.data.id, j.format): n for n, j in enumerate(jobs)}
    files = [(r.filename, r.png) for r in sorted(made, key=lambda r: order[(r.job.data.id, r.job.format)])]
    files += list(cards_batch.alt_text_files(results).items())
    return zip_bytes(files)


def pack_pdf(spec: dict, progress) -> bytes:
    """The job of a reading pack: its PDF (imposed as asked), through the render cache."""
    progress(0, 1, spec.get("filename", ""))
    pack = packs.validate(spec["pack"])
    pdf = packs.build(pack, cache_dir=_cache_dir(), imposition=spec["imposition"])
    progress(1, 1, spec.get("filename", ""))
    return pdf
