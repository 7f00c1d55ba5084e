"""Pamphlets as data: ``pamphlets/*.yaml`` files, each one leaflet or reading pack, validated and built.

A pamphlet file has a ``kind`` (``leaflet``, ``reading-pack``); each kind provides a
``validate(data) -> spec`` that raises :class:`PamphletError` naming the field, and a
``render(spec) -> bytes`` that returns the PDF.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Callable


class PamphletError(ValueError):
    """A pamphlet is invalid; the message names the file (when known) and the field."""

    def __init__(self, field: str, message: str, file: str | None = None):
        self.field, self.message, self.file = field, message, file
        super().__init__(f"{file + ': ' if file else ''}{field}: {message}")

    def in_file(self, file: str) -> "PamphletError":
        return PamphletError(self.field, self.message, file)


@dataclass(frozen=True)
class Kind:
    """How one kind of pamphlet is validated and rendered."""

    validate: Callable[[dict], Any]
    render: Callable[[Any], bytes]


# kind name -> "module:validate_function:render_function", imported on first use
KINDS = {
    "leaflet": "campaign.leaflets:pamphlet_validate:pamphlet_render",
    "reading-pack": "campaign.packs:pamphlet_validate:pamphlet_render",
}


def kind(name: str) -> Kind:
    """The validator and renderer of a pamphlet kind; unknown kinds are a field error."""
    if name not in KINDS:
        raise PamphletError("kind", f"unknown kind {name!r}; expected one of {', '.join(sorted(KINDS))}")
    module, validate, render = KINDS[name].split(":")
    mod = import_module(module)
    return Kind(getattr(mod, validate), getattr(mod, render))
