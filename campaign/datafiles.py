"""The library's reviewed data files (YAML): parsed safely, with errors that name the file and line."""
from __future__ import annotations

from pathlib import Path

import yaml


class LibraryError(ValueError):
    """The library files are invalid; ``errors`` lists each problem with file, line and field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line each mapping starts on (``__line__``)."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def read_yaml(path: Path, *, lines: bool = False):
    """Parse a YAML data file; errors name the file and line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader if lines else yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise LibraryError([f"{path.name}:{mark.line + 1 if mark else '?'}: not valid YAML: {exc.problem}"]) from None
    except OSError as exc:
        raise LibraryError([f"{path}: cannot read: {exc.strerror}"]) from None
