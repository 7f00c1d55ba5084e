"""Print production on written PDFs: a slug around the bleed, crop and cut marks in it, exact page boxes.

WeasyPrint draws its own crop marks inside the bleed (half the bleed long, touching the trim) and sets
the BleedBox up to 10 pt from the trim. A copy shop expects marks outside the bleed, offset from the trim,
so a page laid out with a bleed is finished here, after writing: the MediaBox grows by a slug, the marks
are drawn in it as an artifact (no structure element, screen readers skip them), and what WeasyPrint
painted stays clipped to the bleed.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ContentStream, FloatObject, NameObject, RectangleObject

MM = 72 / 25.4
BLEED_MM = 3.0        # the bleed every bleeding design uses
MARK_OFFSET_MM = 3.0  # from the trim to the start of a mark: the mark begins where the bleed ends
MARK_LENGTH_MM = 5.0
SLUG_MM = 10.0        # from the trim to the edge of the sheet: bleed, offset gap, mark, 2 mm clear
MARK_WIDTH_PT = 0.5


def _f(value: float) -> str:
    return f"{value:.3f}"


def _marks(left: float, bottom: float, right: float, top: float, cuts: tuple[float, ...]) -> bytes:
    """The mark lines (PDF operators) for a trim box, plus vertical cut marks at fractions of its width."""
    near, far = MARK_OFFSET_MM * MM, (MARK_OFFSET_MM + MARK_LENGTH_MM) * MM
    lines = []
    for x in (left, right):  # vertical marks above and below each vertical trim edge
        lines += [(x, bottom - near, x, bottom - far), (x, top + near, x, top + far)]
    for y in (bottom, top):  # horizontal marks beside each horizontal trim edge
        lines += [(left - near, y, left - far, y), (right + near, y, right + far, y)]
    for cut in cuts:  # a cut across the sheet (the two-up's middle): marks above and below it only
        x = left + (right - left) * cut
        lines += [(x, bottom - near, x, bottom - far), (x, top + near, x, top + far)]
    path = " ".join(f"{_f(x1)} {_f(y1)} m {_f(x2)} {_f(y2)} l" for x1, y1, x2, y2 in lines)
    # Registration colour (every plate) so the marks show on each separation; butt caps keep the length exact.
    return f"/Artifact BMC q {_f(MARK_WIDTH_PT)} w 0 J [] 0 d 1 1 1 1 K {path} S Q EMC".encode()


def _shift_annotations(page, dx: float, dy: float) -> None:
    """Links and other annotations follow the content they sit on."""
    for ref in page.get("/Annots") or []:
        annotation = ref.get_object()
        for key in ("/Rect", "/QuadPoints"):
            if key in annotation:
                values = [float(v) for v in annotation[key]]
                shifted = [v + (dx if i % 2 == 0 else dy) for i, v in enumerate(values)]
                annotation[NameObject(key)] = ArrayObject(FloatObject(round(v, 3)) for v in shifted)


def add_marks(pdf: bytes, cuts: tuple[float, ...] = ()) -> bytes:
    """Finish every page that has a bleed: MediaBox = trim + slug, BleedBox = trim + 3 mm, TrimBox = the
    paper, crop marks 5 mm long and 3 mm from the trim (outside the bleed), cut marks at ``cuts``
    (fractions of the trim width). Pages without a bleed are left as they are."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    changed = False
    for page in writer.pages:
        trim, media = page.trimbox, page.mediabox
        if [round(float(v), 2) for v in trim] == [round(float(v), 2) for v in media]:
            continue
        width, height = float(trim.right) - float(trim.left), float(trim.top) - float(trim.bottom)
        bleed, slug = BLEED_MM * MM, SLUG_MM * MM
        # The sheet starts at 0, 0 (some print software mishandles a negative origin): what WeasyPrint
        # painted moves by (dx, dy), so the trim sits one slug in from the sheet's lower left corner.
        dx, dy = slug - float(trim.left), slug - float(trim.bottom)
        left, bottom, right, top = slug, slug, slug + width, slug + height
        original = page.get_contents()
        data = original.get_data() if original is not None else b""
        clip = f"q 1 0 0 1 {_f(dx)} {_f(dy)} cm {_f(-dx + left - bleed)} {_f(-dy + bottom - bleed)} " \
               f"{_f(width + 2 * bleed)} {_f(height + 2 * bleed)} re W n\n".encode()
        content = ContentStream(None, writer)
        content.set_data(clip + data + b"\nQ\n" + _marks(left, bottom, right, top, cuts) + b"\n")
        page.replace_contents(content)
        page.compress_content_streams()
        _shift_annotations(page, dx, dy)
        page.mediabox = RectangleObject([0, 0, width + 2 * slug, height + 2 * slug])
        page.cropbox = RectangleObject([0, 0, width + 2 * slug, height + 2 * slug])
        page.bleedbox = RectangleObject([left - bleed, bottom - bleed, right + bleed, top + bleed])
        page.trimbox = RectangleObject([left, bottom, right, top])
        changed = True
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
