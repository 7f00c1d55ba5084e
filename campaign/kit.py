"""The campaign kit: everything to campaign with one quotation, in one ZIP, in the organizer's language.

The kit holds the A3 poster and the A5 flyer (PDF, :mod:`campaign.leaflets`), the quotation's card
in each of the five platform sizes (PNG, :mod:`campaign.cards`), ``alt-text.txt`` (each image's alt
text under its file name), ``post.txt`` (a short post: the quotation — or an excerpt cut only at a
marked elision […] — its credit and a link to the source) and ``README.txt`` listing the files.

The quotation is printed in the kit's language through its reviewed translation; without one the
kit keeps the original words and says so in the README and beside the post. :func:`plan` works out
the content key in the web request; :func:`produce` is the build job.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from . import brand as brands, cards, languages, leaflets, palettes, quotes, render as renderer, thread
from .build_plan import BuildError, Plan, composite_key, zip_bytes
from .localized import Localized, gettext_for, localize
from .pamphlets import PamphletError

VERSION = "1"
POST_LIMIT = 500  # characters: a Mastodon post, and short enough for most places
FORMATS = ("square", "portrait", "story", "landscape", "og")
PREVIEW_WIDTH = 1080  # the poster as an image, to show it online ("print this"): its trimmed page, 1080 px wide


def N_(message: str) -> str:
    """Mark a text for translation; the kit translates it into its own language when it writes it."""
    return message


@dataclass(frozen=True)
class KitContext:
    """Everything a kit is made of, gathered and re-verified: the quotation in the kit's language and the parts."""

    spec: dict
    item: Localized
    poster: leaflets.LeafletSpec
    flyer: leaflets.LeafletSpec
    files: tuple[tuple[str, str], ...]  # (file name, what it is) in kit order
    formats: tuple[str, ...]  # the card formats the quotation fits (each format has a maximum length)
    brand: brands.Brand = brands.DEFAULT

    @property
    def mark(self) -> str:
        """The campaign mark on the cards: the brand kit's campaign name, when one is set."""
        return self.brand.name if self.brand.name != brands.DEFAULT_NAME else ""

    def card_design(self, fmt: str):
        return cards.design(self.item.card, fmt, self.spec["palette"], self.mark, brand=self.brand,
                            source_url=self.spec["source_url"])


def validate(data: dict) -> dict:
    """The kit's plain data: ``quote`` (id), ``lang``, ``palette``, ``source_url`` (the quotation's page), ``contact``."""
    if not isinstance(data, dict) or not isinstance(data.get("quote"), str) or not data["quote"]:
        raise BuildError("input", "quote: give the id of a quotation")
    lang = data.get("lang") or "en"
    if lang not in languages.CODES:
        raise BuildError("input", f"lang: unknown language {lang!r}; choose one of {', '.join(languages.CODES)}")
    kit = brands.current()
    palette = data.get("palette") or (kit.palette if kit.palette in palettes.names(kit) else cards.DEFAULT_PALETTE)
    if palette not in palettes.names(kit):
        raise BuildError("input", f"palette: unknown palette {palette!r}")
    return {"quote": data["quote"], "lang": lang, "palette": palette,
            "source_url": str(data.get("source_url") or ""), "contact": str(data.get("contact") or "")[:160]}


def _leaflet(spec: dict, item: Localized, design: str, size: str) -> leaflets.LeafletSpec:
    gettext = gettext_for(spec["lang"])
    data = {"design": design, "size": size, "quotes": [spec["quote"]], "lang": spec["lang"],
            "quotations": "translated" if item.translated or spec["lang"] == item.lang else "original"}
    if spec["source_url"]:
        data["qr_url"], data["qr_label"] = spec["source_url"], gettext("Read it in context")
    if spec["contact"]:
        data["contact"] = spec["contact"]
    try:
        return leaflets.validate(data)
    except PamphletError as exc:
        raise BuildError("input", f"{design} ({size}): {exc}") from None


def gather(spec: dict) -> KitContext:
    """Read the quotation (re-verified) in the kit's language and describe every file of the kit."""
    quote = quotes.get_verified(spec["quote"])
    if quote is None:
        raise BuildError("input", f"quote: no quotation {spec['quote']!r} in the library")
    item = localize(quote, spec["lang"])
    gettext = gettext_for(spec["lang"])
    files = [(poster_name(spec), gettext("Poster, A3, to print (PDF with crop marks)")),
             (preview_name(spec), gettext("The poster as an image, to show it online (%(width)d×%(height)d px)",
                                          width=preview_size()[0], height=preview_size()[1])),
             (flyer_name(spec), gettext("Flyer, A5, to print and hand out (PDF)"))]
    formats = tuple(name for name in FORMATS if item.card.length <= cards.FORMATS[name].max_chars)
    for name in formats:
        f = cards.FORMATS[name]
        files.append((cards.filename(quote.id, name), gettext("Card for %(use)s, %(width)d×%(height)d px",
                                                              use=gettext(f.use), width=f.width, height=f.height)))
    files += [("alt-text.txt", gettext("The alt text of each image, under its file name")),
              ("post.txt", gettext("A short post to go with the cards"))]
    return KitContext(spec, item, _leaflet(spec, item, "poster", "A3"), _leaflet(spec, item, "flyer", "A5"),
                      tuple(files), formats, brands.current())


def preview_name(spec: dict) -> str:
    return f"{spec['quote']}-poster-preview.png"


def preview_size() -> tuple[int, int]:
    """The preview's pixel size: 1080 px wide, A3's proportions."""
    size = leaflets.SIZES["A3"]
    return PREVIEW_WIDTH, round(PREVIEW_WIDTH * size.height / size.width)


def _preview_here(pdf: bytes, alt: str) -> bytes:
    """The poster's trimmed page (no bleed, no crop marks) as a PNG of :func:`preview_size` (in a render process)."""
    from io import BytesIO

    from pypdf import PdfReader

    page = PdfReader(BytesIO(pdf)).pages[0]
    trim, media = page.trimbox, page.mediabox
    width, height = preview_size()
    scale = width / float(trim.width)
    image = renderer.page_image(pdf, 0, scale=scale)
    left = (float(trim.left) - float(media.left)) * scale
    top = (float(media.top) - float(trim.top)) * scale
    image = image.crop((round(left), round(top), round(left) + width, round(top) + height))
    return _png(image, alt)


def _png(image, alt: str) -> bytes:
    from io import BytesIO

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for keyword in ("Description", "Alt"):
        info.add_itxt(keyword, alt)
    out = BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def poster_name(spec: dict) -> str:
    return f"{spec['quote']}-poster-A3.pdf"


def flyer_name(spec: dict) -> str:
    return f"{spec['quote']}-flyer-A5.pdf"


def filename(spec: dict) -> str:
    """The ZIP's name: ``kit-<quotation>-<lang>.zip``."""
    return f"kit-{spec['quote']}-{spec['lang']}.zip"


def post_text(item: Localized, link: str, lang: str) -> str:
    """The post: the quotation (or an excerpt cut at a marked elision), the credit and the link; at most 500 characters."""
    credit = f"— {languages.join([item.speaker, item.cite], item.lang)}"
    tail = f"\n{credit}" + (f"\n{link}" if link else "")

    def fits(text: str) -> bool:
        return len(text) <= POST_LIMIT and thread.fits(text, "mastodon")

    quoted = thread.quoted
    whole = quoted(item.text, item.lang) + tail
    if fits(whole):
        return whole
    parts = thread.split(item.text, lambda part: fits(quoted(part, item.lang) + tail))
    if parts:
        return quoted(parts[0], item.lang) + tail
    gettext = gettext_for(lang)
    note = gettext("The quotation is on the image; its alt text carries the words.")
    return f"{note}\n{credit}" + (f"\n{link}" if link else "")


def texts(context: KitContext) -> dict[str, str]:
    """``alt-text.txt``, ``post.txt`` and ``README.txt``."""
    spec, item = context.spec, context.item
    gettext = gettext_for(spec["lang"])
    images = [preview_name(spec)] + [cards.filename(spec["quote"], name) for name in context.formats]
    alt = "\n".join(f"{name}\n{item.alt}\n" for name in images)
    link = item.source_url or spec["source_url"]
    readme = [gettext("Campaign kit: %(speaker)s, %(cite)s", speaker=item.speaker, cite=item.cite), ""]
    if spec["lang"] != item.lang:
        readme += [gettext("This quotation has no reviewed %(language)s translation yet, so the kit prints it "
                           "in the original words.", language=_language(spec["lang"], spec["lang"])), ""]
    elif item.translated and item.translation_credit:
        readme += [item.translation_credit, ""]
    readme += [gettext("Files:")] + [f"- {name}: {what}" for name, what in context.files]
    left_out = [name for name in FORMATS if name not in context.formats]
    if left_out:
        readme += ["", gettext("No card for %(formats)s: the quotation (%(length)d characters) is too long to be "
                               "legible in that size. Make a shorter excerpt, marking each cut with […], to get one.",
                               formats=", ".join(gettext(cards.FORMATS[n].label) for n in left_out),
                               length=item.card.length)]
    readme += ["", gettext("Every quotation is checked word for word against the interview when the kit is made."),
               gettext("Source: %(link)s", link=link) if link else ""]
    return {"alt-text.txt": alt, "post.txt": post_text(item, link, spec["lang"]) + "\n",
            "README.txt": "\n".join(readme).rstrip() + "\n"}


def _language(code: str, lang: str) -> str:
    from babel import Locale

    try:
        return Locale.parse(lang).languages.get(code, code)
    except (ValueError, LookupError):
        return code


def card_keys(context: KitContext) -> list[str]:
    return [cards.design_key(context.card_design(name)) for name in context.formats]


def plan(spec: dict) -> Plan:
    """The kit's content key (its parts' keys and texts), file name and number of files (in the web request)."""
    context = gather(spec)
    parts = [leaflets.key(context.poster), leaflets.key(context.flyer), card_keys(context), texts(context)]
    return Plan(composite_key("kit", VERSION, parts), filename(spec), len(context.files) + 1)


def produce(spec: dict, progress) -> bytes:
    """The build job: every file of the kit, then the ZIP; a part that cannot be made fails the kit, naming it."""
    spec = validate(spec)
    context = gather(spec)
    total = len(context.files) + 1
    cache = current_app.config.get("CACHE_DIR") or None
    out: list[tuple[str, bytes]] = []
    progress(0, total, poster_name(spec))
    for leaflet, name, what in ((context.poster, poster_name(spec), "A3 poster"),
                                (context.flyer, flyer_name(spec), "A5 flyer")):
        progress(len(out), total, name)
        try:
            out.append((name, leaflets.build(leaflet, cache).pdf))
        except renderer.RenderError as exc:
            raise BuildError("render", f"the {what} ({name}): {exc.message}") from None
        if leaflet is context.poster:
            progress(len(out), total, preview_name(spec))
            out.append((preview_name(spec), renderer.bounded(_preview_here, out[-1][1], context.item.alt)))
    for fmt in context.formats:
        name = cards.filename(spec["quote"], fmt)
        progress(len(out), total, name)
        try:
            card = cards.render_card(context.item.card, fmt, spec["palette"], context.mark, brand=context.brand,
                                     cache_dir=f"{cache}/cards" if cache else None, source_url=spec["source_url"])
        except cards.CardError as exc:
            raise BuildError("render", f"the {fmt} card ({name}): {exc.message}") from None
        out.append((name, card.png))
    for name, body in texts(context).items():
        out.append((name, body.encode("utf-8")))
    progress(total, total, filename(spec))
    return zip_bytes(out)
