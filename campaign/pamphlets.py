"""Pamphlets as data: ``pamphlets/*.yaml`` files, each one leaflet or reading pack, validated and built.

A pamphlet file has a ``kind`` (``leaflet``, ``reading-pack``); each kind provides a
``validate(data) -> spec`` that raises :class:`PamphletError` naming the field, and a
``render(spec) -> bytes`` that returns the PDF. A kind may also provide ``pamphlet_key(spec)``,
a digest of everything that decides its output, so an unchanged pamphlet is not rebuilt.

``flask --app app pamphlets build [--out DIR] [--booklet] [--zine] [NAME…]`` renders them all
(:mod:`campaign.cli.pamphlets`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field as dc_field
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

import yaml

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32  # nesting of mappings and lists; deeper files are refused before they are parsed
STATE_FILE = ".pamphlets-built.json"


class PamphletError(ValueError):
    """A pamphlet is invalid; the message names the file (when known), the line (when known) and the field."""

    def __init__(self, field: str, message: str, file: str | None = None, line: int | None = None):
        self.field, self.message, self.file, self.line = field, message, file, line
        where = f"{file}:{line}" if file and line else file
        super().__init__(f"{where + ': ' if where else ''}{field}: {message}")

    def in_file(self, file: str, line: int | None = None) -> "PamphletError":
        return PamphletError(self.field, self.message, file, line if line is not None else self.line)


class PamphletNotFound(PamphletError):
    """No pamphlet of that name (a web page answers 404)."""


@dataclass(frozen=True)
class Kind:
    """How one kind of pamphlet is validated and rendered (and, optionally, keyed for rebuilds)."""

    validate: Callable[[dict], Any]
    render: Callable[[Any], bytes]
    key: Callable[[Any], str] | None = None
    # ``imposed(spec, imposition) -> bytes``: the same pamphlet imposed for folding (reading packs)
    imposed: Callable[[Any, str], bytes] | None = None
    # ``field_for(block) -> field``: the field a render error's block comes from (leaflets)
    field_for: Callable[[str | None], str | None] | None = None


# kind name -> "module:validate_function:render_function", imported on first use
KINDS = {
    "leaflet": "campaign.leaflets:pamphlet_validate:pamphlet_render",
    "reading-pack": "campaign.packs:pamphlet_validate:pamphlet_render",
}


def kind(name: str) -> Kind:
    """The validator and renderer of a pamphlet kind; unknown kinds are a field error."""
    if not isinstance(name, str) or name not in KINDS:
        raise PamphletError("kind", f"unknown kind {name!r}; expected one of {', '.join(sorted(KINDS))}")
    module, validate, render = KINDS[name].split(":")
    mod = import_module(module)
    return Kind(getattr(mod, validate), getattr(mod, render), getattr(mod, "pamphlet_key", None),
                getattr(mod, "pamphlet_imposed", None), getattr(mod, "field_for_block", None))


# -- loading ----------------------------------------------------------------------------------

@dataclass
class Pamphlet:
    """One validated pamphlet file."""

    name: str
    path: Path
    kind: str
    spec: Any
    data: dict = dc_field(default_factory=dict)


def _line_of(node, field: str) -> int | None:
    """The line of ``field`` (``a``, ``a.b``, ``a[2].b``) in a composed YAML mapping, as deep as it exists."""
    line = None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field or ""):
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
            index = int(part[1:-1])
            if index >= len(node.value):
                break
            node = node.value[index]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _check_depth(text: str, where: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` (the YAML parser recurses once per level)."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                              yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            depth += 1
            if depth > MAX_DEPTH:
                raise PamphletError("YAML", f"nested more than {MAX_DEPTH} levels deep", where,
                                    token.start_mark.line + 1)
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1


def find(directory: str | Path, name: str) -> Path:
    """The file of the pamphlet called ``name``, looked up among the files in ``directory``.

    ``name`` comes from a URL or a command line: it is compared with the known names and never
    used to build a path, so ``../x``, an over-long name or a NUL byte is simply not found.
    """
    directory = Path(directory)
    if isinstance(name, str) and NAME.fullmatch(name) and len(name) <= 80:
        for path in directory.glob("*.yaml"):
            if path.stem == name and path.is_file():
                return path
    shown = name[:80] + "…" if isinstance(name, str) and len(name) > 80 else name
    raise PamphletNotFound("name", f"no pamphlet named {shown!r}", directory.name)


def read(path: str | Path, display: str | None = None) -> tuple[dict, yaml.Node]:
    """The mapping in one pamphlet file and its YAML node tree (for line numbers), not yet validated.

    Every problem (unreadable, too large, not UTF-8, not YAML, nested too deeply, not a mapping) is a
    :class:`PamphletError` naming the file and, when known, the line.
    """
    path = Path(path)
    where = display or str(path)
    if not NAME.fullmatch(path.stem) or len(path.stem) > 80:
        raise PamphletError("file name", "use lower-case letters, digits and hyphens, e.g. aleppo-flyer.yaml",
                            where)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PamphletError("file", f"cannot be read: {exc.strerror}", where) from None
    if len(raw) > MAX_FILE_BYTES:
        raise PamphletError("file", f"is larger than {MAX_FILE_BYTES // 1024} KB", where)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PamphletError("file", "is not UTF-8 text", where, raw[: exc.start].count(b"\n") + 1) from None
    try:
        _check_depth(text, where)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PamphletError("YAML", f"not valid YAML: {problem}", where,
                            mark.line + 1 if mark is not None else None) from None
    if not isinstance(data, dict):
        raise PamphletError("file", "expected a mapping of field: value (start with `kind: leaflet`)", where)
    return data, node


def load(path: str | Path, display: str | None = None) -> Pamphlet:
    """Read and validate one pamphlet file; every problem is a :class:`PamphletError` naming the file."""
    path = Path(path)
    where = display or str(path)
    data, node = read(path, display)
    kind_name = data.get("kind")
    try:
        spec = kind(kind_name).validate(data)
    except PamphletError as exc:
        raise exc.in_file(where, _line_of(node, exc.field)) from None
    return Pamphlet(path.stem, path, kind_name, spec, data)


def discover(directory: str | Path, names: tuple[str, ...] | list[str] = ()) -> tuple[list[Path], list[PamphletError]]:
    """The pamphlet files to build: all ``*.yaml`` in ``directory``, or the named ones (unknown names are errors)."""
    directory = Path(directory)
    found = {p.stem: p for p in sorted(directory.glob("*.yaml")) if p.is_file()}
    if not names:
        return list(found.values()), []
    paths, errors = [], []
    for name in names:
        stem = Path(name).name.removesuffix(".yaml")
        if stem in found:
            paths.append(found[stem])
        else:
            errors.append(PamphletError("name", f"no pamphlet {name!r} in {directory} "
                                                f"(have: {', '.join(found) or 'none'})"))
    return paths, errors


def save(directory: str | Path, name: str, data: dict, *, overwrite: bool = False, comment: str = "") -> Path:
    """Write a pamphlet file atomically; refuse a bad name, or an existing file unless ``overwrite``."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or len(name) > 80:
        raise PamphletError("name", "use lower-case letters, digits and hyphens (at most 80), e.g. aleppo-flyer")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise PamphletError("name", f"a pamphlet named {name!r} already exists; choose another name "
                                    "or tick “replace”")
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    body = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)
    return path


# -- building ---------------------------------------------------------------------------------

@dataclass
class BuildReport:
    """What a build did, per pamphlet name."""

    built: list[str] = dc_field(default_factory=list)
    unchanged: list[str] = dc_field(default_factory=list)
    errors: list[str] = dc_field(default_factory=list)


def _digest(pamphlet: Pamphlet, k: Kind) -> str | None:
    if k.key is None:
        return None
    h = hashlib.sha256(pamphlet.kind.encode())
    h.update(k.key(pamphlet.spec).encode())
    return h.hexdigest()


def build_one(pamphlet: Pamphlet, out: Path, state: dict) -> bool:
    """Render one pamphlet to ``out/<name>.pdf``; False if it was already up to date (nothing written)."""
    k = kind(pamphlet.kind)
    target = out / f"{pamphlet.name}.pdf"
    digest = _digest(pamphlet, k)
    if digest and state.get(pamphlet.name) == digest and target.is_file():
        return False
    pdf = k.render(pamphlet.spec)
    if digest is None and target.is_file() and target.read_bytes() == pdf:
        return False
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, target)
    if digest:
        state[pamphlet.name] = digest
    return True


def build_imposed(pamphlet: Pamphlet, out: Path, impositions: list[str]) -> list[str]:
    """Also write ``out/<name>-<imposition>.pdf`` for each imposition the kind offers; the names written."""
    k = kind(pamphlet.kind)
    written = []
    for imposition in impositions if k.imposed else []:
        target = out / f"{pamphlet.name}-{imposition}.pdf"
        pdf = k.imposed(pamphlet.spec, imposition)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pdf)
        os.replace(tmp, target)
        written.append(target.stem)
    return written


def read_state(out: Path) -> dict:
    """What the last build into ``out`` recorded (empty when there is none or it is unreadable)."""
    try:
        state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}
