"""Photo uploads: metadata stripped, bombs and broken files refused, faces blurred, bytes gone when deleted."""
from __future__ import annotations

import io
import random
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from sqlalchemy import func, select

from campaign import audit, images
from campaign.db import db
from campaign.models import ImageRecord

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="SpyCam 3"/></rdf:RDF></x:xmpmeta>')


def jpeg_with_metadata() -> bytes:
    """300 × 200, red left half and blue right half, tagged 'rotate 90° clockwise', with GPS, XMP and a comment."""
    picture = Image.new("RGB", (300, 200), "blue")
    picture.paste((255, 0, 0), (0, 0, 150, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: shown turned 90° clockwise
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 0.0), 3: "E", 4: (37.0, 9.0, 0.0)}  # GPS IFD: Aleppo
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, xmp=XMP, comment=b"meet at the bakery")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (its data would decompress to far more)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def noisy(size=(400, 300), mode="RGBA", fmt="PNG", seed=7) -> bytes:
    """A picture of coloured noise: every region has a high variance until it is blurred."""
    rng = random.Random(seed)
    bands = len(mode)
    raw = bytes(rng.getrandbits(8) if (i % bands) != 3 else 255 for i in range(size[0] * size[1] * bands))
    out = io.BytesIO()
    Image.frombytes(mode, size, raw).save(out, fmt)
    return out.getvalue()


def upload(client, data: bytes, filename="photo.jpg", **fields):
    form = {"credit": "Campaign archive", "licence": "CC BY 4.0", "alt": "", "blur": "", **fields}
    form["file"] = (io.BytesIO(data), filename)
    return client.post("/images/new", data=form, content_type="multipart/form-data")


def stored(app) -> list[ImageRecord]:
    with app.app_context():
        rows = db.session.scalars(select(ImageRecord).order_by(ImageRecord.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ImageRecord))


def database_bytes(app) -> bytes:
    """Every byte of the SQLite database file and its write-ahead log (empty on PostgreSQL, whose files are
    the server's)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return b""
    path = Path(uri.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def field_error(response, field: str) -> str:
    found = re.search(rf'data-field="{field}">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


# -- metadata -------------------------------------------------------------------------------------

def test_an_upload_loses_exif_gps_xmp_and_comments_but_keeps_its_orientation(app, signed_in):
    original = jpeg_with_metadata()
    assert b"Exif" in original and b"http://ns.adobe.com/xap" in original and b"bakery" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo does carry GPS
    organizer = signed_in("organizer")
    response = upload(organizer, original, credit="Ana K.", licence="used with permission", alt="A red wall")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (row,) = stored(app)
    assert row.mime == "image/jpeg" and row.credit == "Ana K." and row.licence == "used with permission"
    data = row.data
    assert data != original
    for marker in (b"Exif", b"http://ns.adobe.com/xap", b"bakery", b"SpyCam", b"ICC_PROFILE"):
        assert marker not in data, marker
    clean = Image.open(io.BytesIO(data))
    assert not clean.getexif() and "GPSInfo" not in clean.info and "exif" not in clean.info
    assert not {"xmp", "comment", "icc_profile"} & set(clean.info)
    # Upright as the camera meant it: 200 wide, 300 high, red on top.
    assert clean.size == (200, 300) == (row.width, row.height)
    top, bottom = clean.convert("RGB").getpixel((100, 20)), clean.convert("RGB").getpixel((100, 280))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60


def test_the_bytes_are_served_to_signed_in_accounts_with_their_type(app, signed_in, client):
    organizer = signed_in("organizer")
    assert upload(organizer, jpeg_with_metadata()).status_code == 302
    (row,) = stored(app)
    response = organizer.get(f"/images/{row.id}.jpg")
    assert response.status_code == 200 and response.data == row.data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert organizer.get(f"/images/{row.id}.png").status_code == 302  # the suffix follows the stored type
    assert organizer.get(f"/images/{row.id + 1}.jpg").status_code == 404
    anonymous = client.get(f"/images/{row.id}.jpg")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    listing = organizer.get("/images/").get_data(as_text=True)
    assert f"/images/{row.id}.jpg" in listing and "Campaign archive" in listing and "CC BY 4.0" in listing
    assert f'src="/images/{row.id}.small.jpg"' in listing
    small = organizer.get(f"/images/{row.id}.small.jpg")
    assert small.status_code == 200 and small.headers["Content-Type"] == "image/jpeg"
    assert small.data == row.thumbnail and Image.open(io.BytesIO(small.data)).size == (200, 300)
    assert client.get(f"/images/{row.id}.small.jpg").status_code == 302


def test_the_small_copy_is_at_most_480_pixels_and_as_clean(app, signed_in):
    big = Image.new("RGB", (2400, 1200), "green")
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 0.0)}
    big.save(out, "JPEG", exif=exif, xmp=XMP)
    assert upload(signed_in("organizer"), out.getvalue()).status_code == 302
    (row,) = stored(app)
    small = Image.open(io.BytesIO(row.thumbnail))
    assert small.size == (images.THUMBNAIL, 240) and not small.getexif()
    assert b"Exif" not in row.thumbnail and b"http://ns.adobe.com/xap" not in row.thumbnail


def test_transparency_is_kept_as_png(app, signed_in):
    picture = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    picture.paste((200, 30, 30, 255), (20, 20, 100, 60))
    out = io.BytesIO()
    picture.save(out, "PNG")
    assert upload(signed_in("organizer"), out.getvalue(), "logo.png").status_code == 302
    (row,) = stored(app)
    clean = Image.open(io.BytesIO(row.data))
    assert row.mime == "image/png" and clean.mode == "RGBA"
    assert clean.getpixel((5, 5))[3] == 0 and clean.getpixel((60, 40)) == (200, 30, 30, 255)


def test_a_large_photo_is_scaled_down(app, signed_in):
    big = Image.new("RGB", (images.LONG_SIDE + 1000, 1000), "green")
    out = io.BytesIO()
    big.save(out, "JPEG", quality=50)
    assert upload(signed_in("organizer"), out.getvalue()).status_code == 302
    (row,) = stored(app)
    assert (row.width, row.height) == (images.LONG_SIDE, 800)


# -- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("width,height", [(20000, 20000), (7000, 6000), (9000, 9000), (10000, 10000)])
def test_a_picture_with_too_many_pixels_is_refused_from_its_header(app, signed_in, width, height):
    bomb = png_claiming(width, height)
    assert len(bomb) < 200
    response = upload(signed_in("organizer"), bomb, "bomb.png")
    assert response.status_code == 422
    assert "pixels" in field_error(response, "file")
    assert count(app) == 0


@pytest.mark.parametrize("width,height", [(20000, 20000), (10000, 10000), (7000, 6000)])
def test_too_many_pixels_are_refused_where_pillow_only_warns(width, height):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in production: Pillow's warning is not an error there
        with pytest.raises(images.ImageError) as refused:
            images.decode(png_claiming(width, height), "file")
    assert refused.value.field == "file" and "pixels" in refused.value.message


def test_the_pixel_check_runs_before_decoding(monkeypatch):
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(images.ImageError) as refused:
        images.decode(png_claiming(20000, 20000), "file")
    assert refused.value.field == "file"


@pytest.mark.parametrize("fmt,cut", [("JPEG", 0.5), ("JPEG", 0.99), ("PNG", 0.5), ("PNG", 0.999)])
@pytest.mark.parametrize("tolerant", [False, True])
def test_a_truncated_file_is_refused(app, signed_in, monkeypatch, fmt, cut, tolerant):
    # WeasyPrint switches Pillow's tolerance of cut-off files on for the whole process: refused either way.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant)
    whole = noisy((300, 300), "RGB", fmt)
    assert images.prepare(whole, credit="x", licence="y").width == 300  # the whole file is fine
    response = upload(signed_in("organizer"), whole[: int(len(whole) * cut)], "cut." + fmt.lower())
    assert response.status_code == 422
    assert "damaged or incomplete" in field_error(response, "file")
    assert count(app) == 0


def test_complete_jpegs_of_every_kind_are_accepted():
    base = Image.frombytes("RGB", (64, 48), bytes(range(256)) * 36)
    for options in ({}, {"progressive": True}, {"restart_marker_blocks": 1}, {"quality": 100, "subsampling": 0}):
        out = io.BytesIO()
        base.save(out, "JPEG", **options)
        assert images.prepare(out.getvalue(), credit="x", licence="y").width == 64, options


@pytest.mark.parametrize("data,filename,says", [
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
     "SVG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.png", "SVG"),
    (b"GIF89a" + b"\x00" * 40, "x.gif", "not a PNG or JPEG"),
    (b"just some text, not a picture", "x.jpg", "not a PNG or JPEG"),
])
def test_other_files_are_refused(app, signed_in, data, filename, says):
    response = upload(signed_in("organizer"), data, filename)
    assert response.status_code == 422
    assert says in field_error(response, "file")
    assert count(app) == 0


def test_an_oversized_file_is_refused_naming_the_field(app, signed_in, monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 10_000)
    response = upload(signed_in("organizer"), noisy((200, 200), "RGB", "PNG"), "big.png")
    assert response.status_code == 422 and "larger than" in field_error(response, "file")
    assert count(app) == 0


@pytest.mark.parametrize("fields,field", [({"credit": ""}, "credit"), ({"licence": " "}, "licence"),
                                          ({"blur": "10,10,abc,5"}, "blur"), ({"blur": "120,0,10,10"}, "blur")])
def test_credit_licence_and_rectangles_are_checked(app, signed_in, fields, field):
    response = upload(signed_in("organizer"), jpeg_with_metadata(), **fields)
    assert response.status_code == 422
    assert field_error(response, field)
    assert count(app) == 0


def test_only_organizers_upload(app, signed_in):
    response = upload(signed_in("editor"), jpeg_with_metadata())
    assert response.status_code == 403 and count(app) == 0


# -- blurring -------------------------------------------------------------------------------------

def test_rectangles_are_blurred_before_storing_and_nothing_else_changes(app, signed_in):
    original = noisy((400, 300))  # RGBA: stored as lossless PNG, so the untouched pixels compare exactly
    response = upload(signed_in("organizer"), original, "crowd.png", blur="25,20,50,40\n0,80,10,20")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (row,) = stored(app)
    before = Image.open(io.BytesIO(original)).convert("RGB")
    after = Image.open(io.BytesIO(row.data)).convert("RGB")
    assert after.size == before.size
    face = (100, 60, 300, 180)  # 25,20,50,40 in pixels
    sigma_before = ImageStat.Stat(before.crop(face)).stddev
    sigma_after = ImageStat.Stat(after.crop(face)).stddev
    assert all(a < b / 8 for a, b in zip(sigma_after, sigma_before)), (sigma_before, sigma_after)
    corner = (0, 240, 40, 300)
    assert all(a < b / 4 for a, b in zip(ImageStat.Stat(after.crop(corner)).stddev,
                                         ImageStat.Stat(before.crop(corner)).stddev))
    for outside in ((0, 0, 400, 60), (0, 180, 400, 240), (0, 60, 100, 180), (300, 60, 400, 180), (40, 240, 400, 300)):
        assert after.crop(outside).tobytes() == before.crop(outside).tobytes(), outside
    # The photo as uploaded is nowhere in the database: not as a row, not as a slice of the file.
    with app.app_context():
        assert all(original[2000:2064] not in data for data in db.session.scalars(select(ImageRecord.data)))
    assert original[2000:2064] not in database_bytes(app)
    assert original[-2000:-1936] not in database_bytes(app)


def test_rectangles_may_be_given_as_values():
    plain = images.prepare(noisy((100, 100)), credit="x", licence="y")
    as_text = images.prepare(noisy((100, 100)), credit="x", licence="y", blur_rects="10,10,30,30")
    as_values = images.prepare(noisy((100, 100)), credit="x", licence="y", blur_rects=[(10, 10, 30, 30)])
    as_rects = images.prepare(noisy((100, 100)), credit="x", licence="y", blur_rects=[images.Rect(10, 10, 30, 30)])
    assert as_text.data == as_values.data == as_rects.data != plain.data
    with pytest.raises(images.ImageError) as refused:
        images.prepare(noisy((100, 100)), credit="x", licence="y", blur_rects=[(10, 10, 0, 30)])
    assert refused.value.field == "blur"


def test_a_body_over_the_upload_limit_is_refused_naming_the_field(app, signed_in):
    response = upload(signed_in("organizer"), b"\xff\xd8" + b"\x00" * (14 * 1024 * 1024), "huge.jpg")
    assert response.status_code == 413
    assert "Photo (PNG or JPEG)" in response.get_data(as_text=True) and "12 MB" in response.get_data(as_text=True)
    assert count(app) == 0


def test_blurring_follows_the_upright_picture():
    # A rectangle over the top fifth of the upright photo (red after turning) makes that band uniform.
    ready = images.prepare(jpeg_with_metadata(), credit="x", licence="y", blur_rects="0,0,100,20")
    picture = Image.open(io.BytesIO(ready.data)).convert("RGB")
    assert picture.size == (200, 300)
    assert picture.getpixel((100, 30))[0] > 200 and picture.getpixel((100, 290))[2] > 200


def test_the_upload_stays_in_memory(app, signed_in, monkeypatch):
    # Werkzeug spools a file part over 500 kB to a temporary file; a photo upload must never touch the disk.
    import os
    import tempfile

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    big = noisy((800, 600), "RGB", "PNG")
    assert len(big) > 600_000

    def body(**fields):  # encoded here, in memory, as a browser would send it
        boundary, data = encode_multipart({**fields, "file": FileStorage(io.BytesIO(big), "crowd.png")})
        return {"data": data, "content_type": f"multipart/form-data; boundary={boundary}"}

    photo = body(credit="Campaign archive", licence="CC BY 4.0", blur="10,10,20,20")
    transcript = body(slug="x")
    opened, real_open = [], os.open
    temporary = os.path.realpath(tempfile.gettempdir())

    def watching(path, *args, **kwargs):
        if os.path.realpath(path).startswith(temporary):
            opened.append(path)
        return real_open(path, *args, **kwargs)

    organizer, editor = signed_in("organizer"), signed_in("editor")
    monkeypatch.setattr(os, "open", watching)
    assert organizer.post("/images/new", **photo).status_code == 302
    assert opened == [] and count(app) == 1
    # The same file sent where uploads are not pictures is spooled to disk (so the watch above would see it).
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    editor.post("/sources/import", **transcript)
    assert opened


# -- deleting -------------------------------------------------------------------------------------

def test_deleting_removes_the_bytes_from_the_database_at_once(app, signed_in):
    uploader = signed_in("organizer")
    assert upload(uploader, noisy((300, 200), "RGB", "PNG"), "crowd.png").status_code == 302
    (row,) = stored(app)
    sample = row.data[len(row.data) // 2: len(row.data) // 2 + 64]
    small = row.thumbnail[len(row.thumbnail) // 2: len(row.thumbnail) // 2 + 64]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert sample in database_bytes(app) and small in database_bytes(app)
    other = signed_in("organizer")
    assert other.post(f"/images/{row.id}/delete").status_code == 403  # not theirs
    assert count(app) == 1
    response = uploader.post(f"/images/{row.id}/delete")
    assert response.status_code == 302 and count(app) == 0
    assert sample not in database_bytes(app) and small not in database_bytes(app)
    assert uploader.get(f"/images/{row.id}.jpg").status_code == 404
    assert uploader.get(f"/images/{row.id}.small.jpg").status_code == 404
    with app.app_context():  # the history keeps what was said about it, not the picture
        deleted, uploaded = audit.history(f"image:{row.id}")
        assert (uploaded.action, deleted.action) == ("upload", "delete")
        assert deleted.before["credit"] == "Campaign archive" and deleted.after is None
        assert "data" not in deleted.before and "thumbnail" not in deleted.before


def test_an_admin_may_delete_any_photo(app, signed_in):
    assert upload(signed_in("organizer"), jpeg_with_metadata()).status_code == 302
    (row,) = stored(app)
    admin = signed_in("admin")
    assert "Delete" in admin.get("/images/").get_data(as_text=True)
    assert admin.post(f"/images/{row.id}/delete").status_code == 302
    assert count(app) == 0


# -- the plain-data interface ---------------------------------------------------------------------

def test_load_choices_and_print_asset(app):
    with app.app_context():
        first = images.accept(jpeg_with_metadata(), credit="Ana", licence="CC BY 4.0", alt="A red wall")
        second = images.accept(noisy((60, 40)), credit="Basel", licence="own work")
        db.session.commit()
        assert images.choices() == [(second.id, f"#{second.id} Basel"), (first.id, f"#{first.id} A red wall")]
        loaded = images.load(first.id)
        assert loaded == first and loaded.mime == "image/jpeg" and loaded.asset == f"images/{first.id}.jpg"
        assert images.print_asset(second) == {f"images/{second.id}.png": (second.data, "image/png")}
        assert loaded.as_data()["credit"] == "Ana"
        with pytest.raises(LookupError):
            images.load(second.id + 1)


@pytest.mark.parametrize("mode,fmt,mime", [("CMYK", "JPEG", "image/jpeg"), ("L", "JPEG", "image/jpeg"),
                                           ("1", "PNG", "image/jpeg"), ("P", "PNG", "image/jpeg"),
                                           ("LA", "PNG", "image/png"), ("I;16", "PNG", "image/jpeg")])
def test_every_pixel_format_is_blurred_and_redrawn(mode, fmt, mime):
    rng = random.Random(3)
    if mode == "I;16":  # 16-bit greyscale
        source = Image.frombytes("I;16", (80, 60), bytes(rng.getrandbits(8) for _ in range(80 * 60 * 2)))
    else:
        source = Image.frombytes("RGB", (80, 60), bytes(rng.getrandbits(8) for _ in range(80 * 60 * 3))).convert(mode)
    out = io.BytesIO()
    source.save(out, fmt)
    ready = images.prepare(out.getvalue(), credit="x", licence="y", blur_rects="0,0,50,50")
    result = Image.open(io.BytesIO(ready.data))
    assert ready.mime == mime and result.mode in ("RGB", "RGBA") and result.size == (80, 60)
    assert ImageStat.Stat(result.convert("L").crop((0, 0, 40, 30))).stddev[0] < \
        ImageStat.Stat(result.convert("L").crop((40, 30, 80, 60))).stddev[0]


def test_every_photo_form_needs_its_token(make_app):
    from conftest import PASSWORD, add_user

    app = make_app(WTF_CSRF_ENABLED=True)
    add_user(app, "org@example.org", "organizer", "admin")
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "org@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert upload(client, jpeg_with_metadata()).status_code == 400
    assert count(app) == 0
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/images/new").text).group(1)
    assert upload(client, jpeg_with_metadata(), csrf_token=token).status_code == 302
    (row,) = stored(app)
    assert client.post(f"/images/{row.id}/delete").status_code == 400 and count(app) == 1
    assert client.post(f"/images/{row.id}/delete", data={"csrf_token": token}).status_code == 302
    assert count(app) == 0
