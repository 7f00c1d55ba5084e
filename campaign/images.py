"""Uploaded photos: re-encoded by Pillow, stripped of every metadata field, stored with credit and licence.

Print designs and cards use a stored image by id: :func:`load` gives its bytes and credit as plain
data, and :func:`print_asset` the generated-asset entry a render needs.

An upload is decoded in memory under pixel and byte limits, turned upright by its orientation tag,
scaled down, blurred where the uploader marked faces, and written anew from its pixels alone: no EXIF,
XMP, GPS, ICC profile or comment survives, and the bytes as uploaded are never stored anywhere.
"""
from __future__ import annotations

import io
import re
from dataclasses import astuple, dataclass

from flask_babel import gettext as _
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_BYTES = 12 * 1024 * 1024  # an upload larger than this is refused
MAX_PIXELS = 40_000_000  # refused above this, read from the header before any pixel is decoded
LONG_SIDE = 4000  # photos are scaled down to this on their long side
LOGO_LONG_SIDE = 2000  # logos likewise
THUMBNAIL = 480  # the small copy shown in lists, on its long side
JPEG_QUALITY = 88
MAX_RECTS = 30  # blur rectangles per upload
FORMATS = ("PNG", "JPEG")
MIME = {"image/jpeg": "jpg", "image/png": "png"}

# Pillow's own guard against decompression bombs stays on (should anything have switched it off);
# ours (MAX_PIXELS, checked on the header) is stricter still.
if Image.MAX_IMAGE_PIXELS is None:
    Image.MAX_IMAGE_PIXELS = 2 * MAX_PIXELS


class ImageError(ValueError):
    """An upload that cannot be accepted; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class StoredImage:
    """One stored photo as plain data (picklable for the render worker)."""

    id: int
    data: bytes      # JPEG or PNG, re-encoded, no metadata
    mime: str        # "image/jpeg" or "image/png"
    width: int
    height: int
    credit: str      # who took it: printed with it
    licence: str     # e.g. "CC BY 4.0", "used with permission"
    alt: str = ""    # a description for alt text

    @property
    def asset(self) -> str:
        """Generated-asset path the templates refer to."""
        return f"images/{self.id}.{'png' if self.mime == 'image/png' else 'jpg'}"

    @property
    def extension(self) -> str:
        """``jpg`` or ``png``: the suffix of the address the bytes are served at."""
        return MIME.get(self.mime, "jpg")

    def as_data(self) -> dict:
        """What templates see (and what the cache key covers); bytes by digest."""
        import hashlib
        return {"id": self.id, "src": self.asset, "width": self.width, "height": self.height,
                "credit": self.credit, "licence": self.licence, "alt": self.alt,
                "digest": hashlib.sha256(self.data).hexdigest()[:16]}


@dataclass(frozen=True)
class Rect:
    """A rectangle to blur, in percent of the (upright) picture's width and height."""

    x: float
    y: float
    w: float
    h: float

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The rectangle in pixels of a ``width`` × ``height`` picture, clipped to it (left, top, right, bottom)."""
        left, top = int(width * self.x / 100), int(height * self.y / 100)
        right = min(width, int(round(width * (self.x + self.w) / 100)))
        bottom = min(height, int(round(height * (self.y + self.h) / 100)))
        return left, top, max(right, left + 1), max(bottom, top + 1)


# -- decoding and re-encoding ------------------------------------------------------------------

def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _jpeg_complete(data: bytes) -> bool:
    """Whether a JPEG's segments and compressed data run on to its end marker (EOI).

    Pillow pads a cut-off file with grey instead of failing once any library in the process has set
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` (WeasyPrint does, on import), so completeness is checked here.
    """
    i, end = 2, len(data)
    while i + 2 <= end:
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
            continue
        if i + 4 > end:
            return False
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:  # start of scan: compressed data up to the next real marker
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= end:
                    return False
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # a stuffed byte, a restart marker
                    i = j + 2
                elif following == 0xFF:
                    i = j + 1
                else:
                    i = j
                    break
    return False


def _check_complete(picture: Image.Image, data: bytes) -> None:
    """OSError when the file stops before its end (see :func:`_jpeg_complete`); PNG checksums are verified."""
    if picture.format == "PNG":
        with Image.open(io.BytesIO(data), formats=("PNG",)) as again:
            again.verify()
    elif not _jpeg_complete(data):
        raise OSError("truncated JPEG")


def decode(data: bytes, field: str, *, max_bytes: int | None = None) -> Image.Image:
    """The picture in ``data`` (PNG or JPEG), decoded and upright; ImageError naming ``field`` otherwise.

    The size in pixels is read from the header and checked before any pixel is decoded, so a small file
    that claims a huge picture (a decompression bomb) costs nothing.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if not data:
        raise ImageError(field, _("Choose a picture file to upload."))
    if len(data) > max_bytes:
        raise ImageError(field, _("The file is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    if _looks_like_svg(data):
        raise ImageError(field, _("SVG drawings are not accepted (they can carry scripts and links): "
                                  "upload a PNG or JPEG."))
    try:
        # Pillow raises DecompressionBombError past twice its limit and warns below that (an error where
        # warnings are errors); either way the header's size is refused just after, before any decoding.
        picture = Image.open(io.BytesIO(data), formats=FORMATS)
        if picture.width * picture.height > MAX_PIXELS:
            raise ImageError(field, _("The picture is %(width)s × %(height)s pixels; pictures of more than "
                                      "%(mp)s million pixels are not accepted.", width=picture.width,
                                      height=picture.height, mp=MAX_PIXELS // 1_000_000))
        _check_complete(picture, data)
        picture.seek(0)  # the first frame of an animation
        picture.load()
        ImageOps.exif_transpose(picture, in_place=True)
        return picture
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(field, _("The picture has too many pixels to be opened safely.")) from None
    except UnidentifiedImageError:
        raise ImageError(field, _("This file is not a PNG or JPEG picture.")) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError):
        raise ImageError(field, _("The picture file is damaged or incomplete; export it again and upload "
                                  "the new file.")) from None


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        picture.mode == "P" and "transparency" in picture.info)


def normalise(picture: Image.Image) -> Image.Image:
    """The picture in RGB, or RGBA when it has transparency: the modes blurring and encoding work in."""
    mode = "RGBA" if _has_alpha(picture) else "RGB"
    if picture.mode.startswith("I"):  # 16-bit greyscale: scaled to 8 bits (convert() would clip it)
        picture = picture.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return picture if picture.mode == mode else picture.convert(mode)


def _pixels_only(picture: Image.Image, mode: str) -> Image.Image:
    """A new, blank picture with only the pixels of ``picture`` pasted in: no metadata can ride along."""
    picture = normalise(picture)
    clean = Image.new(mode, picture.size)
    clean.paste(picture if picture.mode == mode else picture.convert(mode))
    return clean


def downscale(picture: Image.Image, long_side: int) -> Image.Image:
    """The picture scaled down (never up) so that its long side is at most ``long_side`` pixels."""
    width, height = picture.size
    if max(width, height) <= long_side:
        return picture
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(picture: Image.Image, *, photo: bool = True) -> tuple[bytes, str]:
    """(bytes, mime type): JPEG for a photo without transparency, else PNG; nothing but the pixels."""
    if _has_alpha(picture) or not photo:
        clean = _pixels_only(picture, "RGBA" if _has_alpha(picture) else "RGB")
        out = io.BytesIO()
        clean.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean = _pixels_only(picture, "RGB")
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), "image/jpeg"


def logo_png(data: bytes, field: str = "logo", *, max_bytes: int | None = None) -> tuple[bytes, int, int]:
    """A logo upload as (PNG bytes, width, height): re-encoded, transparency kept, at most LOGO_LONG_SIDE."""
    picture = decode(data, field, max_bytes=max_bytes)
    try:
        picture = downscale(normalise(picture), LOGO_LONG_SIDE)
        png, _mime = encode(picture, photo=False)
    except (OSError, ValueError, TypeError):  # an unusual pixel format Pillow cannot convert
        raise ImageError(field, _("This picture's colour format cannot be used; save it as an ordinary "
                                  "RGB PNG or JPEG and upload it again.")) from None
    return png, picture.width, picture.height


# -- blurring faces ----------------------------------------------------------------------------

_NUMBER = r"\s*(-?\d+(?:\.\d+)?)\s*"
_RECT = re.compile(rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$")


def parse_rects(text: str, field: str = "blur") -> list[Rect]:
    """``x,y,w,h`` rectangles in percent, separated by semicolons or new lines; ImageError naming ``field``."""
    rects = []
    for number, part in enumerate((p for p in re.split(r"[;\n]", text or "") if p.strip()), start=1):
        found = _RECT.match(part)
        if not found:
            raise ImageError(field, _("Rectangle %(n)s: write four numbers x,y,w,h in percent, e.g. 10,20,15,15.",
                                      n=number))
        x, y, w, h = (float(v) for v in found.groups())
        if not (0 <= x < 100 and 0 <= y < 100 and 0 < w <= 100 and 0 < h <= 100):
            raise ImageError(field, _("Rectangle %(n)s: x and y run from 0 to 100, width and height from "
                                      "more than 0 to 100.", n=number))
        rects.append(Rect(x, y, min(w, 100 - x), min(h, 100 - y)))
    if len(rects) > MAX_RECTS:
        raise ImageError(field, _("At most %(n)s rectangles can be blurred in one picture.", n=MAX_RECTS))
    return rects


def blur(picture: Image.Image, rects: list[Rect], *, in_place: bool = False) -> Image.Image:
    """The picture with every rectangle made unrecognisable: pixelated coarsely, then blurred with a wide radius.

    ``in_place`` changes ``picture`` itself (the caller owns it and wants no copy of a large picture).
    """
    if not rects:
        return picture
    result = picture if in_place else picture.copy()
    for rect in rects:
        box = rect.box(*result.size)
        region = result.crop(box)
        width, height = region.size
        blocks = max(1, min(width, height) // 6)  # about six blocks across the short side
        small = region.resize((max(1, width // blocks), max(1, height // blocks)), Image.Resampling.BOX)
        region = small.resize((width, height), Image.Resampling.NEAREST)
        region = region.filter(ImageFilter.GaussianBlur(radius=max(4, blocks)))
        result.paste(region, box[:2])
    return result


@dataclass(frozen=True)
class Prepared:
    """An accepted upload, ready to store: clean bytes, a small copy, and what is said about them."""

    data: bytes
    mime: str
    width: int
    height: int
    credit: str
    licence: str
    alt: str
    thumbnail: bytes = b""


def prepare(upload: bytes, *, credit: str, licence: str, alt: str = "", blur_rects=()) -> Prepared:
    """Check and clean an upload (no database): decoded, upright, scaled, blurred, re-encoded."""
    credit, licence, alt = (credit or "").strip(), (licence or "").strip(), (alt or "").strip()
    if not credit:
        raise ImageError("credit", _("Say who took the picture: the credit is printed with it."))
    if not licence:
        raise ImageError("licence", _("Say under which licence or permission the picture may be printed."))
    if len(credit) > 200 or len(licence) > 200:
        raise ImageError("credit" if len(credit) > 200 else "licence", _("At most 200 characters."))
    if len(alt) > 1000:
        raise ImageError("alt", _("At most 1000 characters."))
    if not isinstance(blur_rects, str):  # Rect or (x, y, w, h) values: checked like typed ones
        blur_rects = "\n".join(",".join(str(v) for v in (astuple(r) if isinstance(r, Rect) else r))
                                for r in blur_rects)
    rects = parse_rects(blur_rects)
    picture = decode(upload, "file")
    try:
        picture = downscale(normalise(picture), LONG_SIDE)
        picture = blur(picture, rects, in_place=True)  # ours alone: decoded from the upload just now
        data, mime = encode(picture)
        small, _small_mime = encode(downscale(picture, THUMBNAIL))
    except (OSError, ValueError, TypeError):  # an unusual pixel format Pillow cannot convert
        raise ImageError("file", _("This picture's colour format cannot be used; save it as an ordinary "
                                   "RGB PNG or JPEG and upload it again.")) from None
    return Prepared(data, mime, picture.width, picture.height, credit, licence, alt, small)


# -- storage -------------------------------------------------------------------------------------

def _plain(record) -> StoredImage:
    return StoredImage(id=record.id, data=record.data, mime=record.mime, width=record.width, height=record.height,
                       credit=record.credit, licence=record.licence, alt=record.alt)


def accept(upload: bytes, *, credit: str, licence: str, alt: str = "", blur=(), user=None) -> StoredImage:
    """Clean an upload and store it (the caller commits); ImageError naming the field when refused."""
    from . import audit
    from .db import db
    from .models import ImageRecord

    ready = prepare(upload, credit=credit, licence=licence, alt=alt, blur_rects=blur)
    record = ImageRecord(data=ready.data, mime=ready.mime, width=ready.width, height=ready.height,
                         credit=ready.credit, licence=ready.licence, alt=ready.alt, thumbnail=ready.thumbnail,
                         uploaded_by_id=getattr(user, "id", None))
    db.session.add(record)
    db.session.flush()
    audit.record(f"image:{record.id}", "upload", None, state(record), user=user)
    return _plain(record)


def digest(data: bytes) -> str:
    """A short digest of stored bytes (cache validators, history)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def state(record) -> dict:
    """What the history records of a photo: what is said about it and a digest of its bytes, never the bytes."""
    return {"credit": record.credit, "licence": record.licence, "alt": record.alt, "mime": record.mime,
            "width": record.width, "height": record.height, "digest": digest(record.data)}


def thumbnail(image_id: int) -> tuple[bytes, str]:
    """(bytes, mime type) of a stored photo's small copy; LookupError when there is none."""
    from .db import db
    from .models import ImageRecord

    row = db.session.execute(db.select(ImageRecord.thumbnail, ImageRecord.mime)
                             .where(ImageRecord.id == int(image_id))).first()
    if row is None:
        raise LookupError(image_id)
    return row.thumbnail, row.mime


def load(image_id: int) -> StoredImage:
    """The stored image ``image_id``; LookupError when there is none."""
    from .db import db
    from .models import ImageRecord

    try:
        record = db.session.get(ImageRecord, int(image_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise LookupError(image_id)
    return _plain(record)


def choices() -> list[tuple[int, str]]:
    """(id, label) of every stored image, newest first, for pickers."""
    from .db import db
    from .models import ImageRecord

    rows = db.session.execute(db.select(ImageRecord.id, ImageRecord.alt, ImageRecord.credit)
                              .order_by(ImageRecord.created_at.desc(), ImageRecord.id.desc())).all()
    return [(row.id, f"#{row.id} {_label(row.alt, row.credit)}") for row in rows]


def _label(alt: str, credit: str) -> str:
    text = (alt or "").strip() or credit
    return text if len(text) <= 60 else text[:59] + "…"


def listing() -> list:
    """Every stored image's record, newest first, without loading the bytes."""
    from sqlalchemy.orm import defer

    from .db import db
    from .models import ImageRecord

    return db.session.scalars(db.select(ImageRecord).options(defer(ImageRecord.data), defer(ImageRecord.thumbnail))
                              .order_by(ImageRecord.created_at.desc(), ImageRecord.id.desc())).all()


def may_delete(record, user) -> bool:
    """The uploader (an organizer) or an admin may delete an image."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role("admin") or (record.uploaded_by_id == user.id and user.has_role("organizer"))


def delete(image_id: int, user=None) -> bool:
    """Delete an image and commit; its bytes leave the database file at once. False when there was none."""
    from .db import db, is_sqlite
    from .models import ImageRecord

    record = db.session.get(ImageRecord, int(image_id))
    if record is None:
        return False
    from . import audit

    sqlite = is_sqlite()
    if sqlite:  # freed pages are overwritten with zeros, not left holding the photo
        db.session.execute(db.text("PRAGMA secure_delete = ON"))
    audit.record(f"image:{record.id}", "delete", state(record), None, user=user)
    db.session.delete(record)
    db.session.commit()
    forget_deleted(sqlite)
    return True


def forget_deleted(sqlite: bool) -> None:
    """Drop the copies a database keeps of deleted rows: SQLite's write-ahead log, PostgreSQL's dead tuples."""
    from .db import db

    from flask import current_app
    from sqlalchemy.exc import DBAPIError

    try:
        with db.engine.connect() as connection:
            if sqlite:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM images")
    except DBAPIError as exc:  # the row is gone either way; the database's own cleanup will follow
        current_app.logger.warning("could not compact the images table after a deletion: %s", exc)


def print_asset(image: StoredImage) -> dict[str, tuple[bytes, str]]:
    """The generated-asset entry a render needs for this image."""
    return {image.asset: (image.data, image.mime)}
