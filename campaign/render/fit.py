"""Fitting text to a design: measure a laid-out document, then search the type scales for one that fits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .errors import RenderError
from .isolation import Limits, bounded
from .pdf import PdfOptions, document_pdf, layout, page_box


@dataclass(frozen=True)
class Overflow:
    """Where a laid-out document does not fit: the block to blame and a short reason."""

    block: str
    reason: str


def _box_bottom(box) -> float:
    return box.position_y + box.margin_height()


def _walk(box, ancestors=(), parent_element=None):
    """Every box under ``box``: ``(box, data-block names of its ancestors, starts-its-element)``."""
    element = getattr(box, "element", None)
    starts = element is not None and element is not parent_element and bool(getattr(box, "element_tag", None))
    name = element.get("data-block") if starts else None
    if name and (not ancestors or ancestors[-1] != name):
        ancestors = ancestors + (name,)
    yield box, ancestors, starts
    for child in getattr(box, "children", ()):
        yield from _walk(child, ancestors, element)


def _content_extent(box) -> float:
    """The height from the top edge to the bottom edge of what ``box`` holds (0 if it is empty)."""
    inner = [b for b, _, _ in _walk(box) if b is not box and getattr(b, "height", 0)]
    if not inner:
        return 0.0
    return max(_box_bottom(b) for b in inner) - min(b.position_y for b in inner)


@dataclass(frozen=True)
class Measure:
    """How a laid-out document sits in its design: what overflows, and the unused share of the space."""

    overflow: Overflow | None
    slack: float  # 0 = full, 0.4 = 40 % of the fixed area is empty; 0 when nothing is marked data-slack


def measure(document, pages: int = 1, tolerance: float = 0.5) -> Measure:
    """Overflow (see :func:`find_overflow`) and the empty share of each ``data-fit`` area.

    The empty space is read from the element marked ``data-slack`` inside the area (the row
    that stretches to fill the page): its height minus the height of what it holds.
    """
    blamable: dict[str, float] = {}
    fixed: set[str] = set()
    for page in document.pages:
        for box, names, starts in _walk(page_box(page)):
            if starts and names and box.element.get("data-block") == names[-1]:
                if box.element.get("data-blame") == "no":
                    fixed.add(names[-1])
                else:
                    blamable[names[-1]] = blamable.get(names[-1], 0) + box.margin_height()

    def blame(names_seen: list[str]) -> str:
        for name in names_seen:
            if name in blamable and name not in fixed:
                return name
        return max(blamable, key=blamable.get) if blamable else (names_seen[0] if names_seen else "page")

    if len(document.pages) > pages:
        spilled: list[str] = []
        for page in document.pages[pages:]:
            for _box, names, _ in _walk(page_box(page)):
                spilled.extend(n for n in names if n not in spilled)
        return Measure(Overflow(blame(spilled), f"runs onto page {pages + 1}"), 0.0)
    slack = None
    for page in document.pages:
        for box, _names, starts in _walk(page_box(page)):
            if not starts or box.element.get("data-fit") is None:
                continue
            bottom = box.position_y + box.margin_height() - box.margin_bottom
            right = box.position_x + box.margin_width() - box.margin_right
            crossing: list[str] = []
            for inner, inner_names, _ in _walk(box):
                if inner is box or not (getattr(inner, "width", 0) or getattr(inner, "height", 0)):
                    continue
                if (_box_bottom(inner) > bottom + tolerance
                        or inner.position_x + inner.margin_width() > right + tolerance):
                    crossing.extend(n for n in inner_names if n not in crossing)
            if crossing:
                return Measure(Overflow(blame(crossing), "does not fit its area"), 0.0)
            for inner, _, inner_starts in _walk(box):
                if inner_starts and inner.element.get("data-slack") is not None:
                    share = max(0.0, inner.height - _content_extent(inner)) / max(box.height, 1)
                    slack = share if slack is None else min(slack, share)
    return Measure(None, slack or 0.0)


def find_overflow(document, pages: int = 1, tolerance: float = 0.5) -> Overflow | None:
    """Find text that does not fit, from the laid-out boxes (not from character counts).

    Two checks: the document must not run past ``pages`` pages, and no box may stick out of
    an element marked ``data-fit`` (a fixed-size area such as one half of a two-up sheet).
    Blocks are marked ``data-block="name"``; ``data-blame="no"`` marks fixed furniture (footer,
    QR code) that is never to blame, so the reported block is one the organizer can shorten.
    """
    return measure(document, pages, tolerance).overflow


@dataclass(frozen=True)
class Fitted:
    """A PDF whose text fits, the type scale it took, and how many layouts that cost."""

    pdf: bytes
    scale: float
    layouts: int = 1


def _describe(overflow: Overflow, scale: float) -> str:
    """The default overflow message (a module function, so it can travel to the render process)."""
    return f"{overflow.block} {overflow.reason}, even with type reduced to {scale:.0%}"


def _fit_here(make_html: Callable[[float], str], scales: Sequence[float], pages: int,
                   generated, options: PdfOptions, describe: Callable[[Overflow, float], str],
                   start: float = 1.0, fill: float = 0.1) -> Fitted:
    scales = sorted(set(scales), reverse=True)
    tried: dict[float, tuple[Any, Measure]] = {}

    def attempt(scale: float):
        if scale not in tried:
            document = layout(make_html(scale), generated=generated, options=options)
            tried[scale] = (document, measure(document, pages))
        return tried[scale]

    def done(scale: float) -> Fitted:
        return Fitted(document_pdf(tried[scale][0], options), scale, len(tried))

    first = min(scales, key=lambda s: abs(s - start))
    _doc, m = attempt(first)
    if m.overflow is None:
        # Fits at the design's size. While much of the page is empty, grow the type by the square
        # root of the space available (text area grows with the square of its size); an
        # overshoot is retried once halfway, so this costs at most a few extra layouts.
        current = first
        for _ in range(3):
            if m.slack <= fill:
                break
            target = current / max(1e-6, 1 - m.slack) ** 0.5 * 0.98
            bigger = sorted(s for s in scales if current < s <= target)
            if not bigger:
                break
            grown = attempt(bigger[-1])[1]
            if grown.overflow is None:
                current, m = bigger[-1], grown
                continue
            half = bigger[(len(bigger) - 1) // 2]
            if half != bigger[-1] and attempt(half)[1].overflow is None:
                current = half
            break
        return done(current)
    # Too long: check the smallest allowed size, then binary-search the steps between.
    smaller = [s for s in scales if s < first]
    if not smaller:
        raise RenderError(describe(m.overflow, first), m.overflow.block)
    low = attempt(smaller[-1])[1]
    if low.overflow is not None:
        raise RenderError(describe(low.overflow, smaller[-1]), low.overflow.block)
    lo, hi = -1, len(smaller) - 1  # smaller[hi] fits; index -1 stands for ``first``, which overflows
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if attempt(smaller[mid])[1].overflow is None:
            hi = mid
        else:
            lo = mid
    return done(smaller[hi])


def fit_pdf(make_html: Callable[[float], str], *, scales: Sequence[float] = (1.0, 0.9, 0.8, 0.7),
            pages: int = 1, generated: dict[str, tuple[bytes, str]] | None = None,
            options: PdfOptions = PdfOptions(), limits: Limits | None = None,
            describe: Callable[[Overflow, float], str] | None = None, start: float = 1.0) -> Fitted:
    """Render ``make_html(scale)`` at a type scale whose layout fits ``pages`` pages.

    Starts at ``start`` (the design's own size). Text that overflows is shrunk through the
    smaller ``scales``; if even the smallest overflows, :class:`RenderError` names the block
    (``describe(overflow, scale)`` words the message). A page left mostly empty (measured on the
    ``data-slack`` element) is filled by growing the type toward the larger ``scales``.
    """
    return bounded(_fit_here, make_html, tuple(scales), pages, generated, options, describe or _describe, start,
                   limits=limits)
