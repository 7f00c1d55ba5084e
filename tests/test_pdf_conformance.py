"""Every PDF Handbill writes (leaflets, reading packs, their booklet and zine) is tagged, with language and metadata."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from io import BytesIO

import pytest
from pypdf import PdfReader

from campaign import impose, leaflets, packs

PACK = {"title": "Aleppo and after", "subtitle": "A short pack", "editor": "Reading Group",
        "sections": [{"theme": "aleppo-siege"}, {"theme": "kurds-rojava"}]}
LEAFLET = {"quotes": ["open-air-prison", "tyrants-mass-slaughter"], "headline": "Aleppo under siege",
           "call_to_action": "Join the reading group on Thursday.", "qr_url": "https://example.org/join",
           "qr_label": "Sign up"}


def roles(pdf: bytes) -> list[str]:
    """The structure elements' roles, depth first."""
    found = []

    def walk(node):
        node = node.get_object()
        if "/S" in node:
            found.append(str(node["/S"]))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, dict) and kid.get("/Type", "/StructElem") == "/StructElem":
                walk(kid)

    walk(PdfReader(BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


def marked_content(pdf: bytes) -> list[tuple]:
    """Every marked-content reference of the structure tree: (page number, content stream, MCID)."""
    reader = PdfReader(BytesIO(pdf))
    pages = {p.indirect_reference.idnum: n for n, p in enumerate(reader.pages)}
    found = []

    def walk(node, page):
        node = node.get_object()
        page = node.raw_get("/Pg").idnum if "/Pg" in node else page
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, int):
                found.append((pages[page], None, int(kid)))
            elif kid.get("/Type") == "/MCR":
                stream = kid.raw_get("/Stm").idnum if "/Stm" in kid else None
                found.append((pages[kid.raw_get("/Pg").idnum if "/Pg" in kid else page], stream, int(kid["/MCID"])))
            elif kid.get("/Type", "/StructElem") == "/StructElem":
                walk(kid, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], None)
    return found


def assert_tagged_with_metadata(pdf: bytes, lang: str, title: str) -> PdfReader:
    reader = PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == lang
    assert bool(root["/MarkInfo"]["/Marked"])
    assert len(roles(pdf)) > 10 and roles(pdf)[0] in ("/Document", "/Part", "/Sect", "/Div")
    meta = reader.metadata
    assert meta.title.startswith(title) and meta.author and meta.subject
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.dc_title["x-default"] == meta.title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    if shutil.which("qpdf"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            check = subprocess.run(["qpdf", "--check", file.name], capture_output=True)
        assert check.returncode == 0, check.stdout.decode()[-2000:] + check.stderr.decode()[-2000:]
    return reader


@pytest.fixture
def pack_pdfs(app):
    with app.app_context():
        spec = packs.validate(PACK)
        pocket = packs.validate({**PACK, "size": "A6"})
        # what each imposition folds: the pages in reading order, the last sheet's spare pages filled
        pages = {name: packs.render_pages({**packs.gather(which), "imposition": imposition})
                 for name, which, imposition in (("pack", spec, "booklet"), ("pocket", pocket, "zine"))}
        return {**pages, "booklet": packs.build(spec, imposition="booklet"),
                "zine": packs.build(pocket, imposition="zine")}


def test_packs_and_their_booklet_and_zine_are_tagged(pack_pdfs):
    pack = assert_tagged_with_metadata(pack_pdfs["pack"], "en", PACK["title"])
    assert pack.outline
    for name, original in (("booklet", "pack"), ("zine", "pocket")):
        imposed = assert_tagged_with_metadata(pack_pdfs[name], "en", PACK["title"])
        source = PdfReader(BytesIO(pack_pdfs[original]))
        assert imposed.metadata.title == f"{PACK['title']} ({'booklet' if name == 'booklet' else 'pocket zine'})"
        assert (imposed.metadata.author, imposed.metadata.subject) == (source.metadata.author, source.metadata.subject)
        assert imposed.xmp_metadata.dc_language == ["en"] and imposed.xmp_metadata.dc_creator == ["Reading Group"]
        # the same structure, element for element, and every piece of marked content still referenced
        assert roles(pack_pdfs[name]) == roles(pack_pdfs[original])
        before, after = marked_content(pack_pdfs[original]), marked_content(pack_pdfs[name])
        assert len(after) == len(before) > 50
        forms = set()
        for sheet, stream, mcid in after:
            assert stream is not None  # the content sits in the Form XObject that draws the page
            drawn = {x.idnum for x in imposed.pages[sheet]["/Resources"]["/XObject"].values()}
            assert stream in drawn
            form = imposed.get_object(stream)
            forms.add(stream)
            assert f"/MCID {mcid}".encode() in form.get_data()
        assert all("/StructParents" in imposed.get_object(f) for f in forms)
        # the bookmarks, each on the sheet side that now carries its page
        titles = [item.title for item in imposed.outline if not isinstance(item, list)]
        assert titles == [item.title for item in source.outline if not isinstance(item, list)]
        for mark, was in zip(imposed.outline, source.outline):
            if not isinstance(mark, list):  # the sheet side draws the bookmark's page (placed as /P<index>)
                sheet = imposed.pages[imposed.get_destination_page_number(mark)]
                assert f"/P{source.get_destination_page_number(was)}" in sheet["/Resources"]["/XObject"]


@pytest.mark.parametrize("design,size,lang", [("flyer", "A5", "en"), ("poster", "A4", "ar"),
                                              ("two-up", "A4", "ru"), ("handout", "A4", "en")])
def test_leaflets_are_tagged(app, design, size, lang):
    with app.app_context():
        spec = leaflets.validate({**LEAFLET, "design": design, "size": size, "lang": lang,
                                  "quotes": LEAFLET["quotes"][:1 if design == "poster" else 2], "drafts": True})
        pdf = leaflets.build(spec).pdf
    assert_tagged_with_metadata(pdf, lang, "Aleppo under siege")


def test_imposing_an_untagged_file_adds_no_structure():
    from weasyprint import HTML

    plain = HTML(string="<title>Plain</title><p>one</p>").write_pdf()
    booklet = PdfReader(BytesIO(impose.booklet(plain)))
    assert "/StructTreeRoot" not in booklet.trailer["/Root"] and "/MarkInfo" not in booklet.trailer["/Root"]
    assert booklet.metadata.title == "Plain (booklet)"
