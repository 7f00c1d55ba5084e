"""The brand kit: colours checked against WCAG AA, the logo re-encoded, admins alone change it, current() reads it."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from campaign import audit, brand, palettes
from campaign.db import db
from campaign.models import BrandSetting

GOOD = {"name": "Aleppo Solidarity", "primary": "#9e1b1b", "secondary": "#ffc9b9", "palette": "brand",
        "contact": "Signal group: aleppo.example", "url": "https://aleppo.example.org/"}


def post(client, **fields):
    data = {**GOOD, **fields}
    return client.post("/brand", data=data, content_type="multipart/form-data")


def field_error(response, field: str) -> str:
    found = re.search(rf'data-field="{field}">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


def rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BrandSetting))


def current(app) -> brand.Brand:
    with app.app_context():
        return brand.current()


def logo_with_metadata(size=(300, 120)) -> bytes:
    """An RGBA PNG with a transparent background, text chunks and an EXIF block."""
    picture = Image.new("RGBA", size, (0, 0, 0, 0))
    picture.paste((158, 27, 27, 255), (10, 10, size[0] - 10, size[1] - 10))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone Private")
    info.add_text("Comment", "made at home in Aleppo")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def test_outside_an_app_and_before_any_setting_the_default_kit_is_in_force(app):
    assert brand.current() is brand.DEFAULT
    assert current(app) == brand.DEFAULT and rows(app) == 0


def test_an_admin_sets_the_kit_and_current_reflects_it(app, signed_in):
    admin = signed_in("admin")
    response = post(admin)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    kit = current(app)
    assert (kit.name, kit.primary, kit.secondary, kit.palette, kit.contact, kit.url) == (
        GOOD["name"], "#9e1b1b", "#ffc9b9", "brand", GOOD["contact"], GOOD["url"])
    assert kit.has_colours and palettes.names(kit)[-1] == "brand"
    assert palettes.resolve(kit.palette, kit).background == "#9e1b1b"
    page = admin.get("/brand").get_data(as_text=True)
    assert "Aleppo Solidarity" in page and "#9e1b1b" in page
    ratio = palettes.contrast("#ffffff", "#9e1b1b")
    assert f"{ratio:.2f}:1" in page and f"{palettes.contrast('#ffc9b9', '#9e1b1b'):.2f}:1" in page
    with app.app_context():
        (entry,) = audit.history("brand")
        assert entry.after["name"] == "Aleppo Solidarity" and entry.before["name"] == brand.DEFAULT_NAME


@pytest.mark.parametrize("fields,field,says", [
    ({"primary": "#777777", "secondary": "#000000"}, "primary", "4.5:1"),  # neither white nor black text reaches AA
    ({"primary": "#808080"}, "primary", "4.5:1"),
    ({"primary": "red"}, "primary", "hexadecimal"),
    ({"secondary": "#12345"}, "secondary", "hexadecimal"),
    ({"secondary": ""}, "secondary", "both colours"),
    ({"primary": "", "secondary": "", "palette": "brand"}, "palette", "both colours"),
    ({"palette": "neon"}, "palette", ""),
    ({"url": "javascript:alert(1)"}, "url", "https://"),
    ({"url": "ftp://example.org/"}, "url", "https://"),
    ({"name": ""}, "name", ""),
    ({"name": "x" * 61}, "name", "60"),
])
def test_a_refused_field_is_named_and_nothing_is_stored(app, signed_in, fields, field, says):
    response = post(signed_in("admin"), **fields)
    assert response.status_code == 422
    assert says in field_error(response, field), response.get_data(as_text=True)[-4000:]
    assert rows(app) == 0 and current(app) == brand.DEFAULT


def test_the_contrast_rule_is_the_palettes_own():
    for primary in ("#777777", "#808080", "#7f7f7f"):
        text = palettes.from_brand(brand.Brand(primary=primary, secondary="#000000")).text
        assert palettes.contrast(text, primary) < 4.5
        with pytest.raises(brand.BrandError) as refused:
            brand.check_colours(primary, "#000000")
        assert refused.value.field == "primary"
    for primary in ("#9e1b1b", "#14192b", "#efe0c2", "#FFFFFF"):
        assert brand.check_colours(primary, "000000")[0] == primary.lower()


def test_no_colours_means_no_brand_palette(app, signed_in):
    assert post(signed_in("admin"), primary="", secondary="", palette="night").status_code == 302
    kit = current(app)
    assert not kit.has_colours and kit.palette == "night" and "brand" not in palettes.names(kit)


@pytest.mark.parametrize("roles", [("organizer",), ("editor",), ("translator:ru",), ("organizer", "editor")])
def test_only_an_admin_changes_the_kit(app, signed_in, roles):
    client = signed_in(*roles)
    assert client.get("/brand").status_code == 200  # everyone signed in sees the kit in use
    assert 'action="/brand"' not in client.get("/brand").get_data(as_text=True)
    response = post(client, logo=(io.BytesIO(logo_with_metadata()), "logo.png"))
    assert response.status_code == 403
    assert rows(app) == 0


def test_anonymous_visitors_neither_see_nor_change_the_kit(app, client):
    assert client.get("/brand").status_code == 302
    assert post(client).status_code == 302 and rows(app) == 0
    assert client.get("/brand/logo.png").status_code == 302


def test_the_logo_is_re_encoded_without_metadata_and_served_as_png(app, signed_in):
    upload = logo_with_metadata()
    assert b"Someone Private" in upload and b"eXIf" in upload
    admin = signed_in("admin")
    assert admin.get("/brand/logo.png").status_code == 404
    assert post(admin, logo=(io.BytesIO(upload), "logo.png")).status_code == 302
    kit = current(app)
    assert kit.has_logo and kit.logo != upload and (kit.logo_width, kit.logo_height) == (300, 120)
    for marker in (b"Someone Private", b"Aleppo", b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"Exif"):
        assert marker not in kit.logo, marker
    clean = Image.open(io.BytesIO(kit.logo))
    assert clean.format == "PNG" and clean.mode == "RGBA" and not clean.getexif() and not clean.text
    assert clean.getpixel((2, 2))[3] == 0 and clean.getpixel((150, 60)) == (158, 27, 27, 255)
    assert brand.print_assets(kit) == {brand.LOGO_ASSET: (kit.logo, "image/png")}
    assert kit.as_data()["logo"] == brand.LOGO_ASSET and kit.as_data()["logo_ratio"] == 2.5
    served = admin.get("/brand/logo.png")
    assert served.status_code == 200 and served.data == kit.logo
    assert served.headers["Content-Type"] == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert "/brand/logo.png" in admin.get("/brand").get_data(as_text=True)
    # Saving again without a file keeps the logo; ticking "remove" drops it.
    assert post(admin, name="Renamed").status_code == 302
    assert current(app).logo == kit.logo and current(app).name == "Renamed"
    assert post(admin, remove_logo="y").status_code == 302
    assert not current(app).has_logo and admin.get("/brand/logo.png").status_code == 404


def test_a_jpeg_logo_becomes_a_png_and_a_large_one_is_scaled(app, signed_in):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (3000, 1500), "navy").save(out, "JPEG", exif=exif)
    assert post(signed_in("admin"), logo=(io.BytesIO(out.getvalue()), "logo.jpg")).status_code == 302
    kit = current(app)
    assert kit.logo.startswith(b"\x89PNG") and (kit.logo_width, kit.logo_height) == (2000, 1000)
    assert b"SpyCam" not in kit.logo


@pytest.mark.parametrize("data,says", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    (b"GIF89a" + b"\x00" * 30, "PNG or JPEG"),
])
def test_a_logo_that_is_not_png_or_jpeg_is_refused(app, signed_in, data, says):
    response = post(signed_in("admin"), logo=(io.BytesIO(data), "logo.svg"))
    assert response.status_code == 422 and says in field_error(response, "logo")
    assert rows(app) == 0


def test_current_is_read_once_per_request_and_refreshed_by_save(app):
    with app.app_context():
        assert brand.current() is brand.current()
        saved = brand.save(name="Kit", primary="#14192b", secondary="#f2b63c", palette="brand")
        assert brand.current() == saved and saved.palette == "brand"
    with app.app_context():
        assert brand.current().name == "Kit"
        with pytest.raises(brand.BrandError):
            brand.save(name="Kit", primary="#777777", secondary="#000000")
        db.session.rollback()
        assert brand.current().primary == "#14192b"


def test_the_migration_goes_down_and_up_again(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    with app.app_context():
        brand.save(name="Kit", primary="#14192b", secondary="#f2b63c", palette="brand")
        directory = app.config["MIGRATIONS_DIR"]
        downgrade(directory=directory, revision="0010")
        db.session.remove()
        assert not {"brand_settings", "images"} & set(inspect(db.engine).get_table_names())
        upgrade(directory=directory)
        db.session.remove()
        assert {"brand_settings", "images"} <= set(inspect(db.engine).get_table_names())
        assert brand._read() == brand.DEFAULT
        brand.save(name="Again", primary="", secondary="", palette="paper")
        assert brand._read().name == "Again"


def test_a_logo_over_the_upload_limit_is_refused_naming_the_field(app, signed_in):
    response = post(signed_in("admin"), logo=(io.BytesIO(b"\x89PNG" + b"\x00" * (6 * 1024 * 1024)), "logo.png"))
    assert response.status_code == 413 and "Logo (PNG or JPEG)" in response.get_data(as_text=True)
    assert rows(app) == 0


def test_two_first_saves_at_once_both_land_on_the_one_row(app):
    # Two admins saving the first kit at the same moment: one row, both changes in the history, no error.
    import threading

    barrier, failures = threading.Barrier(2), []

    def save(name: str) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                brand.save(name=name, primary="#14192b", secondary="#f2b63c", palette="brand")
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(f"Kit {i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert rows(app) == 1 and current(app).name in ("Kit 1", "Kit 2")
    with app.app_context():
        assert len(audit.history("brand")) == 2



def test_the_brand_form_needs_its_token(make_app):
    from conftest import PASSWORD, add_user

    app = make_app(WTF_CSRF_ENABLED=True)
    add_user(app, "admin@example.org", "admin")
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert post(client).status_code == 400 and rows(app) == 0
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/brand").text).group(1)
    assert post(client, csrf_token=token).status_code == 302 and rows(app) == 1
