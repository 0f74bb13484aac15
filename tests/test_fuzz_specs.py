"""Fuzzed story specs: whatever an author's file holds, `validate` answers with Problems, never a crash.

Two kinds of mutation of valid specs (the small broken_specs/valid and the magnet sample):
bytes edited anywhere in the YAML text, and values swapped for other kinds of value
in the parsed spec. Each example must load and lint, or fail with a ChapterbookError
whose every Problem formats as a message; any other exception is a bug.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from chapterbook.errors import ChapterbookError
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story
from conftest import BROKEN, STORIES

SOURCES = {"valid": BROKEN / "valid", "magnet": STORIES / "magnet-mystery"}
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

# What goes wrong in hand-edited YAML: structure characters, quotes, escapes, tabs, control and odd characters.
PIECES = st.sampled_from(
    [
        ":",
        ": ",
        "-",
        "- ",
        "\n",
        "\n  ",
        "\t",
        " ",
        "#",
        "&a",
        "*a",
        "!include x",
        "!!binary",
        "{",
        "}",
        "[",
        "]",
        "'",
        '"',
        "\\",
        '"\\ud800"',
        "\\x00",
        "|",
        ">",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "@",
        "`",
        "?",
        "0",
        "-1",
        "1e999",
        ".nan",
        "2026-13-45",
        "2026-02-30",
        "yes",
        "null",
        "~",
        "é",
        "漢",
        "🦖",
        "\u2028",
        "\x00",
        "\x07",
        "\ufeff",
        "<<: *a",
    ]
)
# Whole values an author might type after 'key: '.
VALUE_PIECES = st.sampled_from(
    [
        "2026-13-45",
        "2026-02-30",
        "!include other.yaml",
        ".nan",
        "-.inf",
        "1e999",
        '"\\ud800"',
        '"\\x00"',
        "*a",
        "&a x",
        "[",
        "{a: 1}",
        "[1, [2]]",
        "- x",
        "|",
        "yes",
        "0x1F",
        "~",
        "''",
        "漢字",
        "images/../../x.png",
        "/dev/zero",
    ]
)
BYTES = st.binary(min_size=1, max_size=4)
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(["", "../../etc/passwd", "/etc/passwd", "images", "chapters", "x" * 5000, "2026-02-30", "Andika", "a.otf"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def folders():
    root = Path(tempfile.mkdtemp(prefix="chapterbook-fuzz-"))
    made = {}
    for name, source in SOURCES.items():
        shutil.copytree(source, root / name)
        made[name] = root / name
    yield made
    shutil.rmtree(root, ignore_errors=True)


def _validate(spec: Path) -> None:
    """Load and lint `spec` as `validate` does; only ChapterbookError may escape, with readable Problems."""
    try:
        problems = lint(load_story(spec))
    except ChapterbookError as exc:
        problems = exc.problems()
        assert problems
    for problem in problems:
        assert problem.format().strip()


def _originals(folders) -> dict[str, str]:
    return {name: (folder / "story.yaml").read_text(encoding="utf-8") for name, folder in folders.items()}


@FUZZ
@given(data=st.data())
def test_text_mutations_never_crash_validate(folders, data):
    name = data.draw(st.sampled_from(sorted(SOURCES)))
    spec = folders[name] / "story.yaml"
    original = spec.with_name("original.yaml")
    if not original.exists():
        shutil.copy(spec, original)
    raw = bytearray(original.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "replace", "delete", "bytes", "value", "value"]))
        if action == "value":
            # Replace the value after a 'key: ' on some line: where hand edits usually go wrong.
            lines = bytes(raw).split(b"\n")
            keyed = [i for i, line in enumerate(lines) if b": " in line]
            if keyed:
                i = data.draw(st.sampled_from(keyed))
                lines[i] = lines[i].split(b": ", 1)[0] + b": " + data.draw(VALUE_PIECES).encode("utf-8", "surrogatepass")
                raw = bytearray(b"\n".join(lines))
        elif action == "delete":
            del raw[at : at + data.draw(st.integers(1, 20))]
        elif action == "bytes":
            raw[at:at] = data.draw(BYTES)
        else:
            piece = data.draw(PIECES).encode("utf-8", "surrogatepass")
            raw[at : at + (len(piece) if action == "replace" else 0)] = piece
    spec.write_bytes(bytes(raw))
    _validate(spec)


def _paths(node, prefix=()):
    """Every (path, value) in a plain YAML tree."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@FUZZ
@given(data=st.data())
def test_value_mutations_never_crash_validate(folders, data):
    name = data.draw(st.sampled_from(sorted(SOURCES)))
    spec = folders[name] / "story.yaml"
    original = spec.with_name("original.yaml")
    if not original.exists():
        shutil.copy(spec, original)
    yaml = YAML(typ="safe", pure=True)
    tree = yaml.load(original.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        places = [p for p, _ in _paths(tree) if p]
        path = data.draw(st.sampled_from(places))
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        value = data.draw(VALUES)
        if isinstance(value, float) and math.isnan(value) and data.draw(st.booleans()):
            value = float("inf")
        parent[path[-1]] = value
    out = StringIO()
    yaml.dump(tree, out)
    spec.write_text(out.getvalue(), encoding="utf-8")
    _validate(spec)


def test_an_anchor_given_twice_is_read_without_a_warning(tmp_path, recwarn):
    """Found by the fuzzer: ruamel warned (on stderr, or as an error under -W error) about legal YAML."""
    (tmp_path / "story.yaml").write_text(
        "spec_version: 1\nbook:\n  title: &a The Ball\n  authors: [&a Ana]\nchapters:\n  - title: *a\n    text: Hi.\n", encoding="utf-8"
    )
    story = load_story(tmp_path / "story.yaml")
    assert story.spec.chapters[0].title == "Ana"  # the later anchor counts
    assert not recwarn.list
