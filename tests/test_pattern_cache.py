"""Compiled regular expressions kept between runs (chapterbook/pattern_cache.py): the same patterns as re's own.

Each run is a process of its own, with its bytecode (and so the kept patterns) under a
PYTHONPYCACHEPREFIX in tmp_path, never in the source tree.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from test_epub import REPO

# Patterns of the kinds the libraries compile: named and numbered groups, inline flags, classes,
# look-arounds, Unicode ranges, bytes, verbose; and strings to match them against.
PATTERNS = [
    (r"(?P<word>\w+)-(\d{2,})", 0),
    (r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE),
    (r"(?i)straße|[^\W\d_]+", 0),
    (r"(?<=\$)\d+(?:\.\d\d)?(?!\d)", 0),
    (r"[\u0400-\u04ff\u4e00-\u9fff]+", re.IGNORECASE),
    (rb"%PDF-(\d)\.(\d)", 0),
    (
        r"""
        (?P<scheme>https?)://   # scheme
        (?P<host>[\w.-]+)       # host
        (?::(?P<port>\d+))?     # port
    """,
        re.VERBOSE,
    ),
    (r"(a|b)*?c{0,3}(?(1)x|y)", re.DOTALL),
]
TEXTS = ["hello-123 world-4", "## Title ##\n  # x", "STRASSE straße abc1", "$12.50 $3 $1234", "Привет 你好 ok", "see https://example.org:8080/x", "ababccx y"]

RUN = r"""
import json, re, sys
import chapterbook
from chapterbook import pattern_cache
patterns = json.loads(sys.argv[1])
texts = json.loads(sys.argv[2])
out = []
for pattern, flags, is_bytes in patterns:
    p = re.compile(pattern.encode("latin-1") if is_bytes else pattern, flags)
    probes = [t.encode("utf-8") for t in texts] if is_bytes else texts
    found = [[m.span() for m in p.finditer(t)] for t in probes]
    groups = [[m.groups() if not is_bytes else [g.decode("latin-1") if g else g for g in m.groups()] for m in p.finditer(t)] for t in probes]
    out.append({"flags": p.flags, "groups": p.groups, "groupindex": dict(p.groupindex), "found": found, "matched": groups})
print(json.dumps({"results": out, "file": pattern_cache.cache_file(), "new": pattern_cache._new, "installed": re._compiler.compile is pattern_cache._compile}))
"""


def _run(tmp_path: Path, patterns=PATTERNS, texts=TEXTS, **env: str) -> dict:
    given_patterns = [(p.decode("latin-1") if isinstance(p, bytes) else p, f, isinstance(p, bytes)) for p, f in patterns]
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(PYTHONPATH=str(REPO / "src"), PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"), **env)
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(given_patterns), json.dumps(texts)], capture_output=True, text=True, env=environment, check=True
    )
    return json.loads(done.stdout)


def _plain(patterns=PATTERNS, texts=TEXTS) -> list[dict]:
    """What re's own compiler makes of the same patterns, in this process."""
    from chapterbook import pattern_cache

    out = []
    for pattern, flags in patterns:
        p = pattern_cache._real_compile(pattern, flags)  # re's own compiler, whatever this process installed
        is_bytes = isinstance(pattern, bytes)
        probes = [t.encode("utf-8") for t in texts] if is_bytes else texts
        out.append(
            {
                "flags": p.flags,
                "groups": p.groups,
                "groupindex": dict(p.groupindex),
                "found": [[list(m.span()) for m in p.finditer(t)] for t in probes],
                "matched": [
                    [list(m.groups()) if not is_bytes else [g.decode("latin-1") if g else g for g in m.groups()] for m in p.finditer(t)] for t in probes
                ],
            }
        )
    return out


def test_a_second_run_makes_the_same_patterns_from_the_kept_code_without_compiling(tmp_path):
    first = _run(tmp_path)
    kept = Path(first["file"])
    assert first["installed"] and first["new"] > 0
    assert kept.is_file() and str(kept).startswith(str(tmp_path))  # beside the bytecode, under the prefix
    header, entries = marshal.loads(kept.read_bytes())
    assert any(key[1] == PATTERNS[0][0] for key in entries)
    second = _run(tmp_path)
    assert second["new"] == 0  # every pattern (and every one chapterbook's import compiles) came from the file
    expected = json.loads(json.dumps(_plain()))  # spans as lists, as JSON gives them back
    assert first["results"] == expected
    assert second["results"] == expected
    assert any(r["found"] != [[]] * len(TEXTS) for r in expected)  # the patterns do match something


def test_a_damaged_or_foreign_file_only_means_compiling_again(tmp_path):
    kept = Path(_run(tmp_path)["file"])
    expected = json.loads(json.dumps(_plain()))
    header, entries = marshal.loads(kept.read_bytes())
    damaged = {
        "truncated": kept.read_bytes()[: kept.stat().st_size // 2],
        "garbage": b"not marshal at all",
        "another Python": marshal.dumps((("2.7.18", header[1], header[2]), entries)),
        # right header, but an entry's code is nonsense: _sre refuses it and the pattern is compiled afresh
        "bad code": marshal.dumps((header, {key: (age, (e[0], [999, 1, 2], *e[2:])) for key, (age, e) in entries.items()})),
    }
    for name, content in damaged.items():
        kept.write_bytes(content)
        again = _run(tmp_path)
        assert again["results"] == expected, name
        assert again["new"] > 0, name
        assert marshal.loads(kept.read_bytes())[0] == header, name  # written anew, whole


def test_nothing_is_written_where_python_writes_no_bytecode(tmp_path):
    got = _run(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert got["new"] > 0 and got["results"] == json.loads(json.dumps(_plain()))
    assert not Path(got["file"]).exists()


def test_patterns_no_run_uses_any_more_are_dropped(tmp_path):
    """A pattern that differs in every run (markdown-it's, in hash-seed order) cannot make the file grow without end."""
    from chapterbook import pattern_cache

    for i in range(pattern_cache._MAX_AGE + 3):
        got = _run(tmp_path, patterns=[(f"once-{i}-(x)", 0)], texts=["once-0-x"])
    header, entries = marshal.loads(Path(got["file"]).read_bytes())
    once = sorted(key[1] for key in entries if isinstance(key[1], str) and key[1].startswith("once-"))
    assert f"once-{pattern_cache._MAX_AGE + 2}-(x)" in once  # the last run's
    assert "once-0-(x)" not in once and "once-1-(x)" not in once  # unused for more than _MAX_AGE writes
    assert len(once) == pattern_cache._MAX_AGE + 1


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[a-c()|*+?\[\]^$.\\dw{}0-9,-]{1,14}", fullmatch=True), st.sampled_from([0, re.IGNORECASE, re.MULTILINE | re.DOTALL, re.ASCII]))
def test_any_pattern_is_made_as_re_makes_it(pattern, flags):
    """_fresh, which writes the kept code, against re's own compiler, in this process."""
    from chapterbook import pattern_cache

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": the parser's, in both (see the test below)
        try:
            theirs = pattern_cache._real_compile(pattern, flags)
        except (re.error, ValueError, OverflowError, RecursionError):
            return  # not a pattern: re says so itself, whichever compiler runs
        ours, entry = pattern_cache._fresh(pattern, flags)
    assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == (theirs.pattern, theirs.flags, theirs.groups, theirs.groupindex)
    for text in ["", "abc", "a1b2c3", "ccc\nab", "{1,2}", "a-b-c", "AbC"]:
        assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)]
    again = pattern_cache._sre.compile(pattern, *marshal.loads(marshal.dumps(entry)))  # as a later run makes it
    assert [m.span() for m in again.finditer("abcabc")] == [m.span() for m in theirs.finditer("abcabc")]


def test_the_parsers_warnings_name_the_line_that_compiled_the_pattern(tmp_path):
    """re warns about some patterns (a possible nested set) at the caller's line, as many frames up: ours too."""
    probe = "import warnings, re, chapterbook\nwarnings.simplefilter('always')\nre.compile('[[a]')\n"
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(PYTHONPATH=str(REPO / "src"), PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert "<string>:3: FutureWarning: Possible nested set" in done.stderr
