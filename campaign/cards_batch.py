"""Batches of quote cards: jobs of plain data, rendered by the render pool's processes, with an alt-text file."""
from __future__ import annotations

from dataclasses import dataclass

from . import cards
from .render import Limits, RenderUnavailable, cached_bytes, current_limits
from .render.isolation import bounded_each


@dataclass(frozen=True)
class Job:
    """One card to build: plain data only."""

    data: cards.CardQuote
    format: str
    palette: str
    mark: str = ""
    cache_dir: str | None = None
    source_url: str = ""
    layout: str = cards.DEFAULT_LAYOUT
    highlight: tuple[int, int] | str | None = None
    image: object = None  # images.StoredImage for the photo layout
    brand: object = None  # brand.Brand: the brand palette and logo

    def design(self) -> cards.Design:
        """The job resolved and checked (``CardError`` names what is wrong)."""
        return cards.design(self.data, self.format, self.palette, self.mark, layout=self.layout,
                            highlight=self.highlight, image=self.image, brand=self.brand, source_url=self.source_url)


@dataclass(frozen=True)
class JobResult:
    """A built card (``png``) or why not (``error``)."""

    job: Job
    png: bytes | None = None
    error: str = ""

    @property
    def filename(self) -> str:
        return cards.filename(self.job.data.id, self.job.format, self.job.layout)


def run_job(job: Job, limits: Limits | None = None) -> JobResult:
    """Build one card; a quotation that does not fit is reported, not raised (the batch goes on)."""
    try:
        card = cards.render_card(job.data, job.format, job.palette, job.mark, layout=job.layout,
                                 highlight=job.highlight, image=job.image, brand=job.brand,
                                 cache_dir=job.cache_dir, source_url=job.source_url, limits=limits)
    except (cards.CardError, RenderUnavailable) as exc:
        return JobResult(job, error=exc.message)
    return JobResult(job, png=card.png)


class _Miss(Exception):
    """Not in the cache (raised by a ``produce`` that only looks)."""


def _cached(job: Job, key: str) -> bytes | None:
    """The card's PNG when the cache has it."""
    def look() -> bytes:
        raise _Miss

    try:
        return cached_bytes(job.cache_dir, key, look, ".png")[0]
    except _Miss:
        return None


def build(jobs: list[Job], workers: int = 1, progress=None):
    """Yield a :class:`JobResult` per job, in completion order.

    With ``workers`` > 1 every card not in the cache is scheduled on the render pool at once, and its
    ``RENDER_SLOTS`` processes render them in parallel (pebble does the scheduling); with 1, one
    card after another.
    """
    def report(result: JobResult) -> JobResult:
        if progress:
            progress(result)
        return result

    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield report(run_job(job))
        return
    limits = current_limits()
    todo: list[tuple[Job, str, cards.Design]] = []
    for job in jobs:
        try:
            design = job.design()
        except cards.CardError as exc:
            yield report(JobResult(job, error=exc.message))
            continue
        key = cards.design_key(design)
        png = _cached(job, key)
        if png is not None:
            yield report(JobResult(job, png=png))
        else:
            todo.append((job, key, design))
    for index, result, error in bounded_each(cards.render_design, [(design,) for _j, _k, design in todo],
                                             limits=limits):
        job, key, _design = todo[index]
        if error is not None:
            yield report(JobResult(job, error=getattr(error, "message", str(error))))
            continue
        png, _hit = cached_bytes(job.cache_dir, key, lambda: result, ".png")
        yield report(JobResult(job, png=png))


def alt_text_files(results: list[JobResult]) -> dict[str, bytes]:
    """``alt-text.csv`` and ``alt-text.txt``: each file's alt text (and any card that was not built)."""
    import csv
    import io

    rows = sorted(results, key=lambda r: (r.job.data.id, r.job.layout, list(cards.FORMATS).index(r.job.format)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "quote_id", "format", "width", "height", "alt_text", "error"])
    lines = []
    for r in rows:
        f = cards.FORMATS[r.job.format]
        alt = r.job.data.alt
        if r.png and r.job.image is not None and r.job.layout == "photo":
            alt = cards.card_render.alt_text(r.job.design())
        writer.writerow([r.filename if r.png else "", r.job.data.id, f.name, f.width, f.height, alt, r.error])
        if r.png:
            lines.append(f"{r.filename}\n{alt}\n")
        else:
            lines.append(f"{r.filename} (not made)\n{r.error}\n")
    return {"alt-text.csv": out.getvalue().encode("utf-8"), "alt-text.txt": "\n".join(lines).encode("utf-8")}
