"""Uploaded photos: re-encoded by Pillow, stripped of every metadata field, stored with credit and licence.

Print designs and cards use a stored image by id: :func:`load` gives its bytes and credit as plain
data, and :func:`print_asset` the generated-asset entry a render needs.
"""
from __future__ import annotations

from dataclasses import dataclass


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

    def as_data(self) -> dict:
        """What templates see (and what the cache key covers); bytes by digest."""
        import hashlib
        return {"id": self.id, "src": self.asset, "width": self.width, "height": self.height,
                "credit": self.credit, "licence": self.licence, "alt": self.alt,
                "digest": hashlib.sha256(self.data).hexdigest()[:16]}


def load(image_id: int) -> StoredImage:
    """The stored image ``image_id``; LookupError when there is none."""
    raise LookupError(image_id)


def choices() -> list[tuple[int, str]]:
    """(id, label) of every stored image, newest first, for pickers."""
    return []


def print_asset(image: StoredImage) -> dict[str, tuple[bytes, str]]:
    """The generated-asset entry a render needs for this image."""
    return {image.asset: (image.data, image.mime)}
