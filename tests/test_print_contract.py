"""One print-output contract: leaflets, cards and packs each validate → gather → render, keyed by one function."""
from __future__ import annotations

import pytest

from campaign import cards, leaflets, packs, render
from campaign.pamphlets import PamphletError

GOOD = {
    leaflets: {"design": "flyer", "size": "A5", "quotes": ["open-air-prison"], "headline": "Aleppo"},
    cards: {"quote": "open-air-prison", "format": "og", "palette": "night"},
    packs: {"title": "One theme", "sections": [{"theme": "aleppo-siege"}]},
}
BAD = {
    leaflets: ({"design": "flyer", "size": "B5", "quotes": ["open-air-prison"]}, "size"),
    cards: ({"quote": "open-air-prison", "palette": "neon"}, "palette"),
    packs: ({"title": "x", "sections": [{"theme": "no-such-theme"}]}, "sections[0].theme"),
}
CHANGED = {leaflets: {"headline": "Aleppo again"}, cards: {"palette": "paper"}, packs: {"title": "Another title"}}
MAGIC = {leaflets: b"%PDF", cards: b"\x89PNG", packs: b"%PDF"}


@pytest.mark.parametrize("module", [leaflets, cards, packs], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_each_printed_output_has_the_same_four_steps(app, module):
    with app.app_context():
        spec = module.validate(GOOD[module])
        context = module.gather(spec)
        output = module.render(context)
        assert output.startswith(MAGIC[module])
        key = module.key(spec)
        assert key == module.key(spec, context) and len(key) == 64
        assert module.key(module.validate({**GOOD[module], **CHANGED[module]})) != key


@pytest.mark.parametrize("module", [leaflets, cards, packs], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_validation_errors_name_the_field(app, module):
    data, field = BAD[module]
    with app.app_context(), pytest.raises((PamphletError, cards.CardError)) as caught:
        module.validate(data)
    assert caught.value.field == field


@pytest.mark.parametrize("module", [leaflets, cards, packs], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_key_comes_from_the_one_cache_key_function(app, module, monkeypatch):
    seen = []
    original = render.cache_key
    monkeypatch.setattr(render, "cache_key", lambda *a, **k: seen.append(a[0]) or original(*a, **k))
    with app.app_context():
        module.key(module.validate(GOOD[module]))
    assert len(seen) == 1 and seen[0].startswith("print/")
