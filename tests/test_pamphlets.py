"""Pamphlet files: loading with errors naming file, line and field; saving; `flask pamphlets build`."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaign import leaflets, pamphlets, quotes, verbatim
from campaign.pamphlets import PamphletError
from conftest import staff_client

ROOT = Path(__file__).resolve().parent.parent
GOOD = """kind: leaflet
design: flyer
size: A5
quotes: [open-air-prison, tyrants-mass-slaughter]
headline: "Aleppo under siege"
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_leaflet_pamphlets_are_valid_and_use_the_curated_library(app):
    shipped = [p for p in sorted((ROOT / "pamphlets").glob("*.yaml"))]
    with app.app_context():
        loaded = [pamphlets.load(p) for p in shipped]
    flyers = [p for p in loaded if p.kind == "leaflet"]
    assert len(flyers) >= 3
    assert len({p.spec.design for p in flyers}) >= 3


QUOTED = re.compile(r"^\s*[“\"‘«](?P<words>.+?)[”\"’»]\s*$")


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower().replace("’", "'"))


def headline_problem(headline: str, chosen) -> str | None:
    """Why a headline would put words in a speaker's mouth, or None.

    A headline in quotation marks must be verbatim from a speaker of the leaflet's quotations;
    any other headline is ours, and must not borrow three words running from those quotations
    (a paraphrase such as "we are standing by" set above "people are standing by").
    """
    m = QUOTED.match(headline)
    if m:
        for q in chosen:
            try:
                verbatim.verify(m.group("words"), q.speaker, quotes.parsed(q.source))
                return None
            except verbatim.NotVerbatim as exc:
                problem = f"{headline!r} is in quotation marks but not verbatim: {exc}"
        return problem
    words = _words(headline)
    theirs = {tuple(w[i:i + 3]) for w in (_words(q.text) for q in chosen) for i in range(len(w) - 2)}
    borrowed = [" ".join(words[i:i + 3]) for i in range(len(words) - 2) if tuple(words[i:i + 3]) in theirs]
    return f"{headline!r} is not in quotation marks but borrows {borrowed}" if borrowed else None


def test_no_shipped_headline_presents_words_as_a_speakers_that_are_not_theirs(app):
    with app.app_context():
        checked = 0
        for path in sorted((ROOT / "pamphlets").glob("*.yaml")):
            loaded = pamphlets.load(path)
            if loaded.kind != "leaflet" or not loaded.spec.headline:
                continue
            chosen = quotes.get_many_verified(list(loaded.spec.quotes))
            assert headline_problem(loaded.spec.headline, chosen) is None, path.name
            checked += 1
        assert checked >= 3
        # the rule bites: the old poster headline, an invented quotation, and a real one
        answer = quotes.get_many_verified(["answer-in-aleppo"])
        assert headline_problem("We are watching, and we are standing by", answer)
        assert "not verbatim" in headline_problem("“We are standing by”", answer)
        assert headline_problem("“We are watching such a massive slaughter of civilians and people are "
                                "standing by.”", answer) is None


def test_a_good_file_loads_into_a_spec(app, tmp_path):
    path = _write(tmp_path, "aleppo-flyer", GOOD)
    with app.app_context():
        pamphlet = pamphlets.load(path)
    assert pamphlet.name == "aleppo-flyer" and pamphlet.kind == "leaflet"
    assert isinstance(pamphlet.spec, leaflets.LeafletSpec)
    assert pamphlet.spec.quotes == ("open-air-prison", "tyrants-mass-slaughter")


@pytest.mark.parametrize("text,field,line,words", [
    (GOOD.replace("design: flyer", "design: banner"), "design", 2, "unknown design 'banner'"),
    (GOOD.replace("size: A5", "size: B5"), "size", 3, "unknown size 'B5'"),
    (GOOD.replace("size: A5", "size: A3"), "size", 3, "A5, A4, Letter"),
    (GOOD.replace("tyrants-mass-slaughter", "no-such-quote"), "quotes", 4, "no-such-quote"),
    (GOOD + "colour: red\n", "colour", 6, "unknown field"),
    (GOOD + "qr_url: javascript:alert(1)\n", "qr_url", 6, "https://"),
    (GOOD.replace("kind: leaflet", "kind: banner"), "kind", 1, "unknown kind 'banner'"),
    (GOOD.replace("kind: leaflet\n", ""), "kind", None, "unknown kind None"),
])
def test_errors_name_the_file_line_and_field(app, tmp_path, text, field, line, words):
    path = _write(tmp_path, "broken", text)
    with app.app_context(), pytest.raises(PamphletError) as caught:
        pamphlets.load(path)
    error = caught.value
    assert error.file == str(path) and error.field == field and error.line == line
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: {field}:" if line else f"{path}: {field}:")


def test_yaml_syntax_errors_give_the_line(app, tmp_path):
    path = _write(tmp_path, "syntax", "kind: leaflet\ndesign: flyer\nquotes: [open-air-prison\nsize: A5\n")
    with app.app_context(), pytest.raises(PamphletError) as caught:
        pamphlets.load(path)
    assert caught.value.field == "YAML" and caught.value.line is not None and caught.value.line >= 3


@pytest.mark.parametrize("text,words", [
    ("- just\n- a list\n", "mapping"),
    ("", "mapping"),
])
def test_a_file_that_is_not_a_mapping_is_refused(app, tmp_path, text, words):
    path = _write(tmp_path, "odd", text)
    with app.app_context(), pytest.raises(PamphletError, match=words):
        pamphlets.load(path)


def test_bad_file_names_and_encodings(app, tmp_path):
    with app.app_context():
        with pytest.raises(PamphletError, match="file name"):
            pamphlets.load(_write(tmp_path, "Bad Name", GOOD))
        path = tmp_path / "latin.yaml"
        path.write_bytes(b"kind: leaflet\nheadline: caf\xe9\n")
        with pytest.raises(PamphletError, match="UTF-8") as caught:
            pamphlets.load(path)
        assert caught.value.line == 2


def test_save_writes_a_loadable_file_and_refuses_to_replace_one(app, tmp_path):
    tmp_path = tmp_path / "saved"
    with app.app_context():
        spec = leaflets.validate({"design": "poster", "size": "A3", "quotes": ["answer-in-aleppo"],
                                  "headline": "Standing by"})
        path = pamphlets.save(tmp_path, "standing-by", spec.as_data(), comment="A test poster.")
        assert path.read_text(encoding="utf-8").startswith("# A test poster.\n")
        assert pamphlets.load(path).spec == spec
        with pytest.raises(PamphletError, match="already exists") as caught:
            pamphlets.save(tmp_path, "standing-by", spec.as_data())
        assert caught.value.field == "name"
        pamphlets.save(tmp_path, "standing-by", {**spec.as_data(), "headline": "Changed"}, overwrite=True)
        assert pamphlets.load(path).spec.headline == "Changed"
        for bad in ("../escape", "UPPER", "a/b", ""):
            with pytest.raises(PamphletError, match="lower-case"):
                pamphlets.save(tmp_path, bad, spec.as_data())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["standing-by.yaml"]


# -- the CLI ----------------------------------------------------------------------------------------

def _leaflet_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pamphlets"
    folder.mkdir()
    for path in (ROOT / "pamphlets").glob("*.yaml"):
        if "kind: leaflet" in path.read_text(encoding="utf-8"):
            shutil.copy(path, folder / path.name)
    return folder


def test_cli_builds_every_pamphlet_then_skips_unchanged_ones(runner, tmp_path):
    folder = _leaflet_folder(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert sorted(p.stem for p in out.glob("*.pdf")) == names
    for name in names:
        assert f"built      {out / name}.pdf" in result.output
        reader = PdfReader(io.BytesIO((out / f"{name}.pdf").read_bytes()))
        assert len(reader.pages) == 1 and reader.metadata.title
    stamp = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    again = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out)])
    assert again.exit_code == 0
    assert f"0 built, {len(names)} unchanged" in again.output
    assert stamp == {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    # an edited pamphlet is rebuilt, the others are not
    edited = folder / "talk-to-syrians-flyer.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Who talks to Syrians?", "Who listens?"),
                      encoding="utf-8")
    third = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out)])
    assert third.exit_code == 0 and "1 built" in third.output
    assert "Who listens?" in " ".join(PdfReader(str(out / "talk-to-syrians-flyer.pdf")).pages[0].extract_text().split())


def test_cli_builds_only_the_named_pamphlets(runner, tmp_path):
    folder = _leaflet_folder(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out), "aleppo-poster"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.glob("*.pdf")] == ["aleppo-poster.pdf"]
    missing = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out), "nope"])
    assert missing.exit_code == 1 and "no pamphlet 'nope'" in missing.output


def test_cli_exits_non_zero_on_an_invalid_pamphlet_and_still_builds_the_rest(runner, tmp_path):
    folder = tmp_path / "pamphlets"
    _write(folder, "good", GOOD)
    bad = _write(folder, "bad", GOOD.replace("size: A5", "size: B5"))
    out = tmp_path / "out"
    result = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{bad.name}:3: size: unknown size 'B5'" in result.output
    assert (out / "good.pdf").is_file() and not (out / "bad.pdf").exists()


def test_cli_reports_text_that_does_not_fit(runner, tmp_path):
    folder = tmp_path / "pamphlets"
    _write(folder, "crowded", "\n".join([
        "kind: leaflet", "design: flyer", "size: A5",
        "quotes: [critical-solidarity-with-rojava, civil-opposition, illusionary-pure-revolution]",
        f"headline: \"{'Aleppo ' * 20}\"", f"intro: \"{'The siege of Aleppo, and what it means. ' * 22}\"",
        f"call_to_action: \"{'Come to the meeting. ' * 19}\"", ""]))
    result = runner.invoke(args=["pamphlets", "build", "--dir", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "crowded.yaml" in result.output and "does not fit the flyer on A5" in result.output


def test_cli_with_no_pamphlets_fails_clearly(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(args=["pamphlets", "build", "--dir", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "no pamphlets found" in result.output


# -- malformed files and names from a URL ------------------------------------------------------

MALFORMED = {
    "binary": (bytes(range(256)) * 8, "not UTF-8 text"),
    "latin": ("kind: reading-pack\ntitle: Café\n".encode("latin-1"), "not UTF-8 text"),
    "deep": (b"kind: reading-pack\ntitle: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than"),
    "deep-block": (("kind: reading-pack\ntitle:\n" + "".join("  " * i + "a:\n" for i in range(1, 60))).encode(),
                   "nested more than"),
    "a-list": (b"- kind: reading-pack\n- title: x\n", "expected a mapping"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_files_are_an_error_naming_the_file_on_the_web(make_app, tmp_path, name):
    raw, words = MALFORMED[name]
    folder = tmp_path / "pamphlets"
    folder.mkdir()
    (folder / f"{name}.yaml").write_bytes(raw)
    client = staff_client(make_app(PAMPHLETS_DIR=str(folder)))
    for url in (f"/packs/new?from={name}", f"/leaflets/new?pamphlet={name}"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 422, (url, response.status_code)
        assert f"{name}.yaml" in text and words in text, text[-800:]


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("command", [["pamphlets", "build"], ["pamphlets", "build", "--booklet"]])
def test_malformed_files_fail_the_build_with_a_message_not_a_traceback(make_app, tmp_path, name, command):
    raw, words = MALFORMED[name]
    folder = tmp_path / "pamphlets"
    folder.mkdir()
    (folder / f"{name}.yaml").write_bytes(raw)
    app = make_app(PAMPHLETS_DIR=str(folder))
    result = app.test_cli_runner().invoke(args=command + [name, "--out", str(tmp_path / "out")])
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 1, (output, result.exc_info)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert f"{name}.yaml" in output and words in output and "Traceback" not in output, output


def test_deep_nesting_names_the_line(app, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("kind: leaflet\ndesign: flyer\nheadline:\n  " + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    with pytest.raises(PamphletError) as info:
        pamphlets.load(path)
    assert str(info.value).startswith(f"{path}:4: YAML: nested more than")


ODD_NAMES = ["../x", "..%2Fpamphlets%2Faleppo-flyer", "a" * 300, "x%00y", "%00", "ал", "a/b", "A", ".yaml",
             "aleppo-flyer.yaml", "%2Fetc%2Fpasswd", "-", "\u202e"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_names_from_a_url_are_not_found(make_app, tmp_path, name):
    folder = tmp_path / "pamphlets"
    _write(folder, "x", GOOD)
    _write(tmp_path, "aleppo-flyer", GOOD)  # one level up: must not be reachable by ../
    client = staff_client(make_app(PAMPHLETS_DIR=str(folder)))
    assert client.get(f"/packs/new?from={name}").status_code == 404
    assert client.get(f"/leaflets/new?pamphlet={name}").status_code == 404


def test_find_compares_names_and_never_builds_a_path(tmp_path):
    _write(tmp_path, "aleppo-flyer", GOOD)
    assert pamphlets.find(tmp_path, "aleppo-flyer") == tmp_path / "aleppo-flyer.yaml"
    for name in ("../aleppo-flyer", "aleppo-flyer.yaml", "x" * 300, "a\x00", None):
        with pytest.raises(pamphlets.PamphletNotFound):
            pamphlets.find(tmp_path, name)


def test_the_group_form_skips_malformed_pamphlets(make_app, tmp_path):
    from groups_support import KEY, add_organizer, login

    folder = tmp_path / "pamphlets"
    _write(folder, "good-pack", "kind: reading-pack\ntitle: A good pack\n")
    for name, (raw, _words) in MALFORMED.items():
        (folder / f"{name}.yaml").write_bytes(raw)
    app = make_app(PAMPHLETS_DIR=str(folder), ENCRYPTION_KEY=KEY)
    add_organizer(app)
    client = app.test_client()
    login(client)
    page = client.get("/groups/new")
    assert page.status_code == 200 and "A good pack" in page.get_data(as_text=True)
    assert not any(f'value="{name}"' in page.get_data(as_text=True) for name in MALFORMED)
