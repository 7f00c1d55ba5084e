"""Batches of quote cards: jobs of plain data, rendered several at a time, with an alt-text file."""
from __future__ import annotations

from dataclasses import dataclass

from . import cards
from .render import Limits, RenderUnavailable, current_limits


@dataclass(frozen=True)
class Job:
    """One card to build: plain data only."""

    data: cards.CardQuote
    format: str
    palette: str
    mark: str = ""
    cache_dir: str | None = None
    source_url: str = ""


@dataclass(frozen=True)
class JobResult:
    """A built card (``png``) or why not (``error``)."""

    job: Job
    png: bytes | None = None
    error: str = ""

    @property
    def filename(self) -> str:
        return cards.filename(self.job.data.id, self.job.format)


def run_job(job: Job, limits: Limits | None = None) -> JobResult:
    """Build one card; a quotation that does not fit is reported, not raised (the batch goes on)."""
    try:
        card = cards.render_card(job.data, job.format, job.palette, job.mark, cache_dir=job.cache_dir,
                                 source_url=job.source_url, limits=limits)
    except (cards.CardError, RenderUnavailable) as exc:
        return JobResult(job, error=exc.message)
    return JobResult(job, png=card.png)


def build(jobs: list[Job], workers: int = 1, progress=None):
    """Yield a :class:`JobResult` per job, in completion order, ``workers`` cards at a time.

    Each card renders in the render pool (``RENDER_SLOTS`` processes); threads here only wait for them.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            result = run_job(job)
            if progress:
                progress(result)
            yield result
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    limits = current_limits()  # the app's render pool: the threads below have no app context
    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(run_job, job, limits) for job in jobs]
        for future in as_completed(futures):
            result = future.result()
            if progress:
                progress(result)
            yield result


def alt_text_files(results: list[JobResult]) -> dict[str, bytes]:
    """``alt-text.csv`` and ``alt-text.txt``: each file's alt text (and any card that was not built)."""
    import csv
    import io

    rows = sorted(results, key=lambda r: (r.job.data.id, list(cards.FORMATS).index(r.job.format)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "quote_id", "format", "width", "height", "alt_text", "error"])
    lines = []
    for r in rows:
        f = cards.FORMATS[r.job.format]
        writer.writerow([r.filename if r.png else "", r.job.data.id, f.name, f.width, f.height, r.job.data.alt,
                         r.error])
        if r.png:
            lines.append(f"{r.filename}\n{r.job.data.alt}\n")
        else:
            lines.append(f"{r.filename} (not made)\n{r.error}\n")
    return {"alt-text.csv": out.getvalue().encode("utf-8"), "alt-text.txt": "\n".join(lines).encode("utf-8")}
