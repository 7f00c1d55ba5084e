"""Read-only JSON API."""
from flask import Blueprint, jsonify, request

from .. import authz, highlight, quotes

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/quotes")
@authz.public
def quote_list():
    """The whole library, as ``flask quotes export`` prints it (``?drafts=1`` adds draft translations)."""
    return jsonify(quotes.export(include_drafts=request.args.get("drafts") == "1"))


@bp.get("/quotes/<quote_id>/card")
@authz.public(note="describes a library card; a custom mark, a stored photo or drafts need a role, as for the PNG")
def card(quote_id):
    """A card's description as JSON: its PNG's URL, size, alt text, layout and the highlighted phrase.

    Takes the PNG's parameters (``format``, ``layout``, ``palette``, ``highlight=start-end`` or ``phrase``,
    ``image``, ``mark``, ``lang``…); a bad one answers 400 naming it (a quotation too long: 422).
    """
    from . import cards as card_views
    from .. import cards

    spec, context = card_views.card_context(request.args, quote_id)
    key = cards.key(spec, context)
    design = context.design
    fmt = cards.FORMATS[spec.format]
    extra = {"layout": spec.layout, "image": spec.image, "highlight": highlight.as_value(design.highlight),
             "lang": spec.lang, **({"drafts": 1} if spec.drafts else {}), **({"bilingual": 1} if spec.bilingual else {})}
    url = card_views.card_url(quote_id, key, spec.format, spec.palette, spec.mark, **extra)
    phrase = context.quote.text[design.highlight[0]:design.highlight[1]] if design.highlight else ""
    return jsonify({"quote": quote_id, "format": spec.format, "width": fmt.width, "height": fmt.height,
                    "layout": spec.layout, "palette": spec.palette, "highlight": highlight.as_value(design.highlight),
                    "phrase": phrase, "lang": context.quote.lang, "alt": cards.card_render.alt_text(design),
                    "url": card_views.absolute(url), "filename": cards.filename(quote_id, spec.format, spec.layout)})
