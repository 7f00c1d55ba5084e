"""``flask --app app designs sheet``: a contact sheet of every design in every size, so organizers choose by looking."""
from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

import click
from flask.cli import AppGroup

from .. import design_samples, languages, leaflets, render

designs_cli = AppGroup("designs", help="The leaflet and poster designs.")

THUMB_WIDTH = 230  # pixels per page, the widest paper; smaller paper is drawn to scale
GAP, LABEL, TITLE = 24, 30, 56
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT, size)
    except OSError:  # no Noto on this machine: Pillow's own font
        return ImageFont.load_default()


def _page(design: str, size: str, lang: str, orientation: str = "portrait"):
    """One sample of ``design`` on ``size`` as a Pillow image (trimmed: no bleed, no marks)."""
    from PIL import Image

    context = design_samples.context(design, size, lang, orientation=orientation)
    pdf = leaflets.render(context)
    geo = leaflets.geometry(leaflets.spec_of(context))
    largest = max(leaflets.SIZES[s].height for s in leaflets.DESIGNS[design].sizes)
    width = max(80, round(THUMB_WIDTH * geo["width_mm"] / largest * 1.45))
    slug = 10.0  # mm of bleed and marks round the trim (campaign/render/marks.py)
    scale = width / geo["width_mm"]
    png = render.pdf_to_png(pdf, 0, width=round((geo["width_mm"] + 2 * slug) * scale))
    image = Image.open(BytesIO(png)).convert("RGB")
    cut = round(slug * scale)
    return image.crop((cut, cut, image.width - cut, image.height - cut))  # the trimmed sheet, as printed


def sheet(design: str, lang: str) -> bytes:
    """The contact sheet of one design: a row of its sizes (and a landscape poster), labelled, as a small PNG."""
    from PIL import Image, ImageDraw

    d = leaflets.DESIGNS[design]
    variants = [(size, "portrait") for size in d.sizes] + [(d.sizes[0], "landscape")] * ("landscape" in d.orientations)
    pages = [(size, orientation, _page(design, size, lang, orientation)) for size, orientation in variants]
    width = sum(p.width for *_x, p in pages) + GAP * (len(pages) + 1)
    height = TITLE + max(p.height for *_x, p in pages) + LABEL + GAP
    out = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(out)
    draw.text((GAP, 14), f"{d.label} · {languages.english_name(lang)}", fill="#1c1b19", font=_font(22))
    x = GAP
    for size, orientation, page in pages:
        out.paste(page, (x, TITLE))
        draw.rectangle([x - 1, TITLE - 1, x + page.width, TITLE + page.height], outline="#bbbbbb")
        label = size + (" landscape" if orientation == "landscape" else "")
        draw.text((x, TITLE + page.height + 6), label, fill="#4d4a44", font=_font(15))
        x += page.width + GAP
    buf = BytesIO()
    out.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


@designs_cli.command("sheet")
@click.option("--lang", type=click.Choice(["en", "ru", "ar"]), default="en", show_default=True,
              help="The language of the samples.")
@click.option("--out", "folder", type=click.Path(file_okay=False), default="docs/images/designs", show_default=True,
              help="Where to write one PNG per design.")
def sheet_command(lang, folder):
    """Render every design in every size with sample content from the library into one PNG per design."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    failed = 0
    for design in leaflets.DESIGNS:
        try:
            data = sheet(design, lang)
        except Exception as exc:  # noqa: BLE001 - one design that cannot be drawn must not stop the others
            failed += 1
            click.echo(f"error: {design}: {exc}", err=True)
            continue
        path = target / f"{design}-{lang}.png"
        path.write_bytes(data)
        click.echo(str(path))
    if failed:
        sys.exit(1)
