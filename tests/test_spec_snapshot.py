"""A validated spec kept in the memo and thawed without Pydantic (spec/snapshot.py) is the spec validation gives.

A build without the print PDF, after only a chapter file changed, takes the spec from the
memo: these tests hold the thawed spec equal to the validated one field by field (values,
types, order, methods, dumps), check that a changed or broken story.yaml is validated again
and reported at its line, and that such a build's files are a cold build's, byte for byte,
from a process that never imported Pydantic or ruamel.
"""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pydantic import BaseModel

from chapterbook.spec import load as spec_load
from chapterbook.spec.load import load_story
from chapterbook.spec.snapshot import Thawed, freeze, thaw
from render_fixtures import make_story

REPO = Path(__file__).resolve().parents[1]
SAMPLES = [REPO / "stories" / "beach-ride-quest", REPO / "stories" / "magnet-mystery", REPO / "tests" / "fixtures" / "grammar-book"]

# Every kind of value the spec holds: a date, enums of every kind, arrows by name and by degrees, floats
# given as ints, a custom trim, colours, a cover, a diagram of each kind of item.
LAYOUT = """layout:
  trim: 7.5x9.25
  paper: cream
  leading: 22
  palette: {main: blue, second: "#ff8800", accent: "cmyk(0, 40, 90, 0)"}
  cover: {back_colour: sand, barcode: false, price_code: "50799"}
"""


def _every_kind_story(root: Path) -> Path:
    story = make_story(root, layout=LAYOUT)
    text = story.read_text()
    text = text.replace("  publication_date: 2025-06-01\n", "  publication_date: 2025-06-01\n  ebook_isbn: '9780306406157'\n  age_range: {min: 5, max: 9}\n")
    text = text.replace(
        "        diagram: {kind: force_arrows, object: cart, labels: [push, friction]}\n",
        "        side: left\n        fit: shrink\n"
        "        diagram: {kind: force_arrows, object: cart, arrows: [{label: push, direction: up-left, size: 2}, {label: pull, direction: 200, pull: true}]}\n"
        "      - id: stages\n        brief: Ice to water to steam.\n        placement: half\n        after_paragraph: 1\n"
        "        diagram: {kind: cycle, items: [{label: ice}, {label: water, detail: wet}, {label: steam}]}\n"
        "      - id: bars\n        brief: How long each melts.\n        placement: full\n"
        "        diagram: {kind: bar_chart, unit: min, items: [{label: small, value: 3}, {label: big, value: 7.5}], labels: [Minutes]}\n"
        "      - id: parts\n        brief: A plant.\n        placement: spot\n"
        "        diagram: {kind: labelled_parts, shape: plant, items: [{label: leaf, x: 0.2, y: 0.8}]}\n"
        "      - id: path\n        brief: A thrown ball.\n        placement: half\n"
        "        diagram: {kind: motion_path, path: fall, labels: [start, end]}\n",
    )
    story.write_text(text)
    return story


def _same(real, thawed, where: str = "spec") -> None:
    """`thawed` holds what `real` (a validated model, or a value in one) holds, of the same types, in the same order."""
    if isinstance(real, BaseModel):
        assert isinstance(thawed, Thawed) and type(thawed).__name__ == type(real).__name__, where
        assert list(thawed.__dict__) == list(type(real).model_fields), where
        for name in type(real).model_fields:
            _same(getattr(real, name), getattr(thawed, name), f"{where}.{name}")
        assert thawed.model_dump() == real.model_dump(), where
        assert (str(thawed), repr(thawed), list(thawed)) == (str(real), repr(real), list(real)), where
        assert thawed.model_dump(mode="json") == real.model_dump(mode="json"), where
        assert thawed.model_dump_json() == real.model_dump_json(), where  # parts too: the spec holds no float JSON writes otherwise
    elif isinstance(real, list):
        assert type(thawed) is list and len(thawed) == len(real), where
        for i, (a, b) in enumerate(zip(real, thawed)):
            _same(a, b, f"{where}[{i}]")
    else:
        assert type(thawed) is type(real) and thawed == real, where


@pytest.fixture
def every_kind(tmp_path) -> Path:
    return _every_kind_story(tmp_path / "ice")


def test_a_thawed_spec_holds_what_validation_gave(every_kind):
    for story_yaml in [*(s / "story.yaml" for s in SAMPLES), every_kind]:
        spec = load_story(story_yaml).spec
        thawed = thaw(marshal.loads(marshal.dumps(freeze(spec))))  # through marshal, as the memo keeps it
        assert thawed is not None
        _same(spec, thawed)
        assert thawed.model_dump_json() == spec.model_dump_json()  # build.json's spec_sha256
        assert thawed.model_dump(mode="json", exclude={"chapters"}) == spec.model_dump(mode="json", exclude={"chapters"})
        # The models' methods, which thawed objects share with them (spec/kinds.py).
        assert thawed.layout.trim_inches() == spec.layout.trim_inches() and thawed.layout.line_height == spec.layout.line_height
        assert thawed.typographers_quotes == spec.typographers_quotes
        assert [thawed.chapter_id(i) for i in range(len(spec.chapters))] == [spec.chapter_id(i) for i in range(len(spec.chapters))]
        for concept in spec.concepts:
            assert thawed.concept(concept.id) == thawed.concepts[spec.concepts.index(concept)]
        arrows = [
            (a, b)
            for c, d in zip(spec.chapters, thawed.chapters)
            for i, j in zip(c.illustrations, d.illustrations)
            if i.diagram
            for a, b in zip(i.diagram.arrows, j.diagram.arrows)
        ]
        assert all(a.degrees() == b.degrees() for a, b in arrows)
    assert len(arrows) == 2 and {a.degrees() for a, _ in arrows} == {135.0, 200.0}  # the every-kind story's, by name and by number


@pytest.mark.parametrize(
    "frozen",
    [
        None,
        "spec",
        ("spec-snapshot-0", ("M", "StorySpec", []), "{}"),  # another format
        ("spec-snapshot-1", ("M", "Book", []), "{}"),  # not a whole spec
        ("spec-snapshot-1", ("M", "StorySpec", [("layout", ("E", "Popen", "x"))]), "{}"),  # not one of the spec's enums
        ("spec-snapshot-1", ("M", "StorySpec", [("x", ("X", 1))]), "{}"),  # an unknown tag
        ("spec-snapshot-1", ("M", "os.system", []), "{}"),  # not a name
        ("spec-snapshot-1", ("M", "StorySpec", [("x", {1: 2})]), "{}"),  # a type freeze never writes
    ],
)
def test_a_snapshot_that_is_not_what_freeze_writes_is_a_miss(frozen):
    assert thaw(frozen) is None


def test_a_build_without_the_pdf_validates_only_a_changed_story_yaml(tmp_path, cli, monkeypatch):
    root = tmp_path / "beach"
    shutil.copytree(REPO / "stories" / "beach-ride-quest", root)
    validated: list[Path] = []
    real = spec_load.validate_data
    monkeypatch.setattr(spec_load, "validate_data", lambda data, path, positions: (validated.append(path), real(data, path, positions))[1])
    out, story = tmp_path / "out", root / "story.yaml"
    chapter = sorted((root / "chapters").glob("*.md"))[0]

    def build(*formats: str):
        validated.clear()
        return cli("build", str(story), "--format", ",".join(formats or ("epub",)), "-o", str(out))

    assert build().code == 0 and len(validated) == 1  # the first build validates, and keeps the spec
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(" the ", " the very ", 1), encoding="utf-8")
    assert build().code == 0 and validated == []  # a chapter saved: the spec is thawed
    # A mistake in story.yaml is found, at its line, though the last build thawed.
    good = story.read_text(encoding="utf-8")
    story.write_text(good.replace("  age_range: {min: 6, max: 8}", "  age_range: {min: 9, max: 6}", 1), encoding="utf-8")
    broken = build()
    line = next(n for n, text in enumerate(story.read_text(encoding="utf-8").splitlines(), 1) if "age_range: {min: 9" in text)
    assert broken.code == 1 and f"story.yaml:{line}:" in broken.err and "swap them" in broken.err, broken.err
    # Fixed another way: validated again, and the ebook shows the change.
    story.write_text(good.replace('Beach Ride Quest"', 'Beach Ride Quest Again"', 1), encoding="utf-8")
    assert build().code == 0 and len(validated) == 1
    assert "Beach Ride Quest Again" in zipfile.ZipFile(out / "beach" / "book.epub").read("EPUB/title.xhtml").decode()
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(" the very ", " the ", 1), encoding="utf-8")
    assert build("md", "html").code == 0 and validated == []  # the manuscript and the preview thaw too


PROBE = (
    "import sys\n"
    "from chapterbook.__main__ import run\n"
    "sys.argv = ['chapterbook', 'build', *sys.argv[1:]]; code = run()\n"
    "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_core', 'ruamel'}))\n"
)


def test_an_ebook_and_preview_after_a_chapter_edit_load_no_pydantic_and_are_a_cold_builds_bytes(tmp_path):
    root = tmp_path / "beach"
    shutil.copytree(REPO / "stories" / "beach-ride-quest", root)
    story, chapter = root / "story.yaml", sorted((root / "chapters").glob("*.md"))[1]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}

    def build(out: Path) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(story), "--format", "epub,md,html", "-o", str(out)], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert build(tmp_path / "warm").startswith("0 ")  # fills the caches, and keeps the validated spec
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(" the ", " the very ", 1), encoding="utf-8")
    assert build(tmp_path / "warm") == "0 []"
    assert build(tmp_path / "cold").startswith("0 ")
    warm, cold = tmp_path / "warm" / "beach", tmp_path / "cold" / "beach"
    for name in ("book.epub", "manuscript.md", "preview.html"):
        assert (warm / name).read_bytes() == (cold / name).read_bytes(), name
    assert "the very" in zipfile.ZipFile(warm / "book.epub").read("EPUB/chapter-02.xhtml").decode()
    records = [json.loads((side / "build.json").read_text()) for side in (warm, cold)]
    assert records[0]["spec_sha256"] == records[1]["spec_sha256"]
