"""The renderer core: the asset-only fetcher, bounded renders, overflow detection, caching, PNG output."""
from __future__ import annotations

import io
import os
import re
import signal
import threading
import time

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign import render

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)


def _html(body: str, *, head: str = "", page: str = "A4", bleed: str = "0", marks: str = "none") -> str:
    """A print page through the shared base template, with trusted markup in the body."""
    html = render.render_html("print/base.html", {"title": "Test page", "author": "Tester", "page_size": page,
                                                  "page_bleed": bleed, "page_marks": marks})
    return html.replace("</head>", head + "</head>").replace('<body class="">', '<body class="">' + body)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in _reader(pdf).pages).split())


# -- the fetcher ------------------------------------------------------------------------------

def test_fetcher_serves_print_assets_and_generated_resources():
    fetcher = render.AssetFetcher({"qr.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")})
    css = fetcher.fetch(render.ASSET_BASE + "css/base.css")
    assert css.content_type == "text/css" and b"Noto Serif" in css.read()
    svg = fetcher.fetch(render.GENERATED + "qr.svg")
    assert svg.content_type == "image/svg+xml"
    assert fetcher.refused == []


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.css",
    "https://example.org/x.css",
    "ftp://127.0.0.1/x",
    render.ASSET_BASE + "../../campaign/config.py",
    render.ASSET_BASE + "css/../../../campaign/config.py",
    render.ASSET_BASE + "%2e%2e/%2e%2e/campaign/config.py",
    render.ASSET_BASE + "%252e%252e/%252e%252e/campaign/config.py",
    render.ASSET_BASE + "css/..%2f..%2f..%2fcampaign%2fconfig.py",
    render.ASSET_BASE + "css/base.css?x=1",
    render.ASSET_BASE + "css/base.css#frag",
    "https://user:pw@assets.handbill.invalid/css/base.css",
    "https://assets.handbill.invalid.evil.example/css/base.css",
    "https://assets.handbill.invalid@127.0.0.1/css/base.css",
    render.GENERATED + "missing.svg",
    render.ASSET_BASE + "css/nothing-here.css",
    "data:text/css,@import url(http://127.0.0.1:9/x.css);",
    "data:image/png;base64," + "A" * (render.MAX_DATA_URI + 10),
])
def test_fetcher_refuses_everything_else(url):
    fetcher = render.AssetFetcher()
    with pytest.raises(render.RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused


def test_fetcher_serves_small_image_data_uris():
    png = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(png, format="PNG")
    import base64

    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    assert render.AssetFetcher().fetch(url).read() == png.getvalue()


def test_page_geometry_values_cannot_carry_css():
    with pytest.raises(render.RenderError, match="page geometry"):
        render.render_html("print/base.html", {"page_size": "A4; } body { background: url(http://x/) } @page {"})


def test_attachment_links_in_markup_are_not_embedded():
    body = ('<p>hello</p><link rel="attachment" href="css/base.css" title="a">'
            '<a rel="attachment" href="css/base.css">file</a>')
    pdf = render.write_pdf(_html(body))
    reader = _reader(pdf)
    assert len(reader.attachments) == 0
    assert "/AF" not in reader.trailer["/Root"]
    assert "/Names" not in reader.trailer["/Root"] or "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"


# -- PDF output -----------------------------------------------------------------------------

def test_bleed_marks_metadata_tags_and_embedded_fonts():
    pdf = render.write_pdf(_html("<h1>Solidarity</h1><p>Aleppo, <i>Burning Country</i>, عربي</p>",
                                 bleed="3mm", marks="crop"),
                           options=render.PdfOptions(title="T1", author="A1", subject="S1", lang="en",
                                                     keywords=("k1", "k2")))
    reader = _reader(pdf)
    page = reader.pages[0]
    box = page.mediabox
    assert float(box.width) == pytest.approx(A4[0] + 6 * MM, abs=0.05)
    assert float(box.height) == pytest.approx(A4[1] + 6 * MM, abs=0.05)
    assert float(page.trimbox.width) == pytest.approx(A4[0], abs=0.05)
    meta = reader.metadata
    assert (meta.title, meta.author, meta.subject) == ("T1", "A1", "S1")
    assert meta["/Keywords"] == "k1, k2"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    fonts = _fonts(reader)
    assert fonts and all(re.fullmatch(r"[A-Z]{6}\+.+", name) for name in fonts)
    assert all(files & {"/FontFile2", "/FontFile3", "/FontFile"} for files in fonts.values())
    assert any("Naskh" in name for name in fonts), "Arabic text uses the system Noto Naskh Arabic"


def _fonts(reader: PdfReader) -> dict[str, set[str]]:
    """Base font name → the font-file keys of its descriptor, over every page."""
    found = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")] if "/FontDescriptor" in font else [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            keys = set()
            for d in descriptors:
                keys |= set(d.get_object().keys()) if d is not None else set()
            found[str(font["/BaseFont"]).lstrip("/")] = keys
    return found


def test_write_pdf_without_bleed_is_exact_paper_size():
    pdf = render.write_pdf(_html("<p>x</p>", page="A5 landscape"))
    box = _reader(pdf).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((210 * MM, 148 * MM), abs=0.05)


def test_pdf_to_png_width_and_page_bounds():
    pdf = render.write_pdf(_html("<p>x</p>"))
    image = Image.open(io.BytesIO(render.pdf_to_png(pdf, 0, width=300)))
    assert image.width == 300 and image.height == pytest.approx(300 * 297 / 210, abs=2)
    assert render.page_count(pdf) == 1
    with pytest.raises(render.RenderError, match="no page 2"):
        render.pdf_to_png(pdf, 1)


# -- bounded renders ---------------------------------------------------------------------------

# One render process, so a killed process is the pool's only one (pebble then gives the pool up).
ONE = render.Limits(seconds=20, memory_mb=1024, slots=1, max_tasks=100)


def _slow():
    while True:
        pass


def _greedy():
    hoard = []
    while True:
        hoard.append(bytearray(32 * 1024 * 1024))


def _boom():
    raise KeyError("nope")


def _exit_now():
    os._exit(3)


def _exit_once(marker: str) -> str:
    """Dies (as a crashed render would) while ``marker`` exists, removing it; then answers."""
    if os.path.exists(marker):
        os.unlink(marker)
        os._exit(3)
    return "rendered"


def _wait_to_be_killed(marker: str) -> str:
    """The first call writes its pid to ``marker`` and waits (to be killed); a later one answers."""
    if not os.path.getsize(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
    return "rendered"


def test_a_render_past_its_time_limit_is_stopped_and_the_next_one_works():
    with pytest.raises(render.RenderError, match="longer than 1 seconds"):
        render.bounded(_slow, limits=render.Limits(seconds=1, slots=1))
    assert render.write_pdf(_html("<p>still serving</p>")).startswith(b"%PDF")


def test_a_render_past_its_memory_bound_is_stopped():
    with pytest.raises(render.RenderError, match="needed more than 128 MB"):
        render.bounded(_greedy, limits=render.Limits(seconds=20, memory_mb=128, slots=1))
    assert render.bounded(len, [1, 2, 3]) == 3


def test_a_pathological_document_fails_with_a_clear_error():
    body = "<table>" + "".join(f"<tr><td>{i}</td><td>cell</td></tr>" for i in range(40000)) + "</table>"
    with pytest.raises(render.RenderError, match="longer than|memory"):
        render.write_pdf(_html(body), limits=render.Limits(seconds=2, memory_mb=400, slots=1))


def test_errors_in_the_render_process_reach_the_caller_as_render_errors():
    with pytest.raises(render.RenderError, match="KeyError"):
        render.bounded(_boom)
    with pytest.raises(render.RenderError) as caught:
        render.bounded(_raise_named)
    assert caught.value.block == "headline"


def _raise_named():
    raise render.RenderError("too long", "headline")


def test_no_render_runs_in_the_calling_process():
    assert render.bounded(os.getpid) != os.getpid()
    assert render.bounded(os.getpid, limits=ONE) != os.getpid()


def test_a_render_process_killed_while_idle_is_replaced():
    pid = render.bounded(os.getpid, limits=ONE)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)  # let the pool notice
    assert render.write_pdf(_html("<p>after</p>"), limits=ONE).startswith(b"%PDF")
    assert render.bounded(os.getpid, limits=ONE) != pid


def test_a_render_process_killed_mid_render_is_replaced_and_the_render_retried(tmp_path):
    marker = tmp_path / "pid"
    marker.write_text("")
    answer = {}
    worker = threading.Thread(target=lambda: answer.update(value=render.bounded(_wait_to_be_killed, str(marker),
                                                                                  limits=ONE)))
    worker.start()
    deadline = time.monotonic() + 20
    while not marker.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(int(marker.read_text()), signal.SIGKILL)
    worker.join(30)
    assert answer == {"value": "rendered"}


def test_a_render_process_that_exits_mid_render_is_retried_once(tmp_path):
    marker = tmp_path / "die"
    marker.write_text("x")
    assert render.bounded(_exit_once, str(marker), limits=ONE) == "rendered"


def test_a_render_that_kills_its_process_twice_is_unavailable_never_out_of_memory():
    with pytest.raises(render.RenderUnavailable, match="try again") as caught:
        render.bounded(_exit_now, limits=ONE)
    assert "MB" not in caught.value.message and not isinstance(caught.value, render.RenderError)
    assert render.bounded(len, [1], limits=ONE) == 1


def test_render_processes_are_recycled_after_max_tasks():
    limits = render.Limits(seconds=20, slots=1, max_tasks=2)
    first, second, third = (render.bounded(os.getpid, limits=limits) for _ in range(3))
    assert first == second != third


def test_renders_beyond_the_concurrency_limit_wait_then_fail_clearly():
    busy = threading.Thread(target=_expect_render_error, args=(render.Limits(seconds=3, slots=1),))
    busy.start()
    time.sleep(0.5)
    try:
        with pytest.raises(render.RenderUnavailable, match="busy"):
            render.bounded(len, [1], limits=render.Limits(seconds=1, slots=1))
    finally:
        busy.join()
    assert render.bounded(len, [1, 2], limits=ONE) == 2


def _expect_render_error(limits):
    try:
        render.bounded(_slow, limits=limits)
    except render.RenderError:
        pass


def test_render_processes_do_not_hold_other_pipes_open():
    """A browser driver or subprocess waiting for end-of-file on its pipe must not wait for a render process."""
    import select

    read_end, write_end = os.pipe()
    try:
        # a memory bound no other test uses, so a fresh pool starts while the pipe is open
        assert render.bounded(len, [1], limits=render.Limits(seconds=20, memory_mb=777, slots=1)) == 1
        os.close(write_end)
        write_end = None
        ready, _, _ = select.select([read_end], [], [], 5)
        assert ready and os.read(read_end, 1) == b"", "a render process kept the pipe open"
    finally:
        os.close(read_end)
        if write_end is not None:
            os.close(write_end)


def test_render_settings_come_from_the_app_config(make_app):
    app = make_app(RENDER_SECONDS=7, RENDER_MEMORY_MB=512, RENDER_SLOTS=1, RENDER_MAX_TASKS=9)
    assert render.limits_for(app) == render.Limits(seconds=7.0, memory_mb=512, slots=1, max_tasks=9)


# -- overflow and fitting -------------------------------------------------------------------------

FIT_PAGE = """<div data-fit style="height: 60mm; width: 100mm; display: grid; grid-template-rows: auto 1fr auto">
<h1 data-block="headline" style="font-size: {s}pt; margin: 0">Headline</h1>
<div data-block="body" data-slack style="font-size: {s}pt">{body}</div>
<footer data-block="credits" data-blame="no" style="font-size: 6pt">Source credits</footer></div>"""


def _fit_html(body: str, scale: float) -> str:
    return _html(FIT_PAGE.format(s=round(12 * scale, 2), body=body), page="A6")


class _FitHtml:
    """A fit page of ``body`` at a given scale (a class, so it can travel to the render process)."""

    def __init__(self, body: str):
        self.body = body

    def __call__(self, scale: float) -> str:
        return _fit_html(self.body, scale)


def _overflow(body: str):
    return render.find_overflow(render.layout(_fit_html(body, 1)))


def test_find_overflow_names_the_block_from_the_layout():
    assert render.bounded(_overflow, "A few words.") is None
    long = render.bounded(_overflow, "word " * 400)
    assert long is not None and long.block == "body"


def test_fit_pdf_shrinks_type_within_limits_then_reports_the_block():
    fitted = render.fit_pdf(_FitHtml("word " * 90), scales=(1.0, 0.9, 0.8, 0.7, 0.6, 0.5))
    assert fitted.scale < 1.0 and fitted.pdf.startswith(b"%PDF")
    assert "word" in _text(fitted.pdf)
    with pytest.raises(render.RenderError) as caught:
        render.fit_pdf(_FitHtml("word " * 900), scales=(1.0, 0.8, 0.6))
    assert caught.value.block == "body" and "60%" in caught.value.message


def test_fit_pdf_grows_type_to_fill_an_empty_page():
    fitted = render.fit_pdf(_FitHtml("A few words."), scales=(2.0, 1.8, 1.6, 1.4, 1.2, 1.0, 0.8))
    assert fitted.scale > 1.0


# -- caching ------------------------------------------------------------------------------------

def test_cache_key_depends_on_template_data_and_options():
    base = render.cache_key("print/base.html", {"a": 1}, {"o": 1})
    assert base == render.cache_key("print/base.html", {"a": 1}, {"o": 1})
    assert base != render.cache_key("print/base.html", {"a": 2}, {"o": 1})
    assert base != render.cache_key("print/base.html", {"a": 1}, {"o": 2})
    assert base != render.cache_key("print/leaflet_flyer.html", {"a": 1}, {"o": 1})


def test_cache_key_follows_templates_a_template_extends_or_includes():
    assert "print/base.html" in render.template_sources("print/leaflet_flyer.html")
    assert "print/_leaflet_flyer_body.html" in render.template_sources("print/leaflet_twoup.html")


def test_cached_bytes_returns_the_stored_output(tmp_path):
    calls = []

    def produce():
        calls.append(1)
        return b"pdf bytes"

    assert render.cached_bytes(tmp_path, "ab" * 32, produce, ".pdf") == (b"pdf bytes", False)
    assert render.cached_bytes(tmp_path, "ab" * 32, produce, ".pdf") == (b"pdf bytes", True)
    assert calls == [1]


def test_a_cache_that_cannot_be_written_serves_the_output_uncached(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")  # a regular file: nothing can be created under it, not even by root
    with caplog.at_level("WARNING", logger="campaign.render.cache"):
        assert render.cached_bytes(blocker / "cache", "ab" * 32, lambda: b"pdf", ".pdf") == (b"pdf", False)
    assert len([r for r in caplog.records if "cannot be" in r.getMessage()]) == 1
