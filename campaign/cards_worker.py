"""Imported by the batch pool's fork server: load the renderer and render two sample cards once,
so every worker forked from the server starts with fonts, templates and caches warm."""
from . import cards

cards._warm_up()
