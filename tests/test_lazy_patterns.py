"""Patterns of ReportLab, markdown-it and Jinja compiled only when used (chapterbook/lazy_patterns.py), matching as the libraries' own do."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from test_epub import REPO

PROBE = r"""
import json, sys, time
import chapterbook.render.pdf  # the renderer, as a build imports it
import reportlab.platypus.paragraph as paragraph
from chapterbook import lazy_patterns
lazy = paragraph.uri_pat
before = {"lazy": isinstance(lazy, lazy_patterns.LazyPattern), "compiled": getattr(lazy, "_compiled", 1) is not None,
          "hook_left": "reportlab.platypus.paragraph" in lazy_patterns._HOOK.pending, "re_compile_restored": __import__("re").compile.__module__ == "re"}
uris = ["https://example.org/a/b", "http://127.0.0.1:8080/x?y=1", "mailto:someone@example.org", "ftp://ünïcode.example/ü",
        "not a uri", "file:///tmp/x", "https://-bad-.example", "HTTPS://EXAMPLE.ORG"]
split = [paragraph._uri_split_pairs(u) for u in uris]
print(json.dumps({"before": before, "pattern": lazy.pattern, "flags": lazy.flags, "split": split,
                  "compiled_after": isinstance(lazy.compiled() if hasattr(lazy, "compiled") else lazy, __import__("re").Pattern)}))
"""


def _probe(*setup: str) -> dict:
    done = subprocess.run([sys.executable, "-c", "\n".join(setup) + PROBE], capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src")}, check=True)
    return json.loads(done.stdout)


def test_the_uri_pattern_waits_until_it_is_used_and_then_matches_as_reportlabs():
    got = _probe()
    assert got["before"] == {"lazy": True, "compiled": False, "hook_left": False, "re_compile_restored": True}
    assert got["compiled_after"]
    # The same pattern and flags as ReportLab compiles, and the same answers for links a paragraph could hold.
    eager = _probe("import reportlab.platypus.paragraph")  # imported before chapterbook's renderer: compiled as ReportLab does
    assert eager["before"]["lazy"] is False
    assert (got["pattern"], got["flags"], got["split"]) == (eager["pattern"], eager["flags"], eager["split"])
    assert re.compile(got["pattern"], got["flags"]).flags & re.IGNORECASE
    assert got["split"][0] and got["split"][4] is None  # some match and some do not: the comparison means something


def test_a_link_in_a_paragraph_still_renders(tmp_path):
    """ReportLab reads the pattern for <a href>: the deferred one is compiled then, and the link is in the PDF."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    import chapterbook.render  # noqa: F401  (the hook, should this process not have it yet)

    pdf = tmp_path / "link.pdf"
    SimpleDocTemplate(str(pdf)).build([Paragraph('see <a href="https://example.org/page">the page</a>', getSampleStyleSheet()["Normal"])])
    assert b"https://example.org/page" in pdf.read_bytes()


def test_a_book_without_an_isbn_builds_without_the_barcode_packages(tmp_path):
    """ReportLab's barcodes (it loads every kind) and python-stdnum (ssl, pydoc) are loaded only for an ISBN."""
    import os

    from render_fixtures import make_story

    story = make_story(tmp_path / "ice")
    text = story.read_text(encoding="utf-8")
    assert '  isbn: "978-0-306-40615-7"\n' in text
    story.write_text(text.replace('  isbn: "978-0-306-40615-7"\n', ""), encoding="utf-8")
    probe = (
        "import sys\n"
        "from chapterbook.__main__ import run\n"
        "sys.argv = ['chapterbook', 'build', *sys.argv[1:]]; code = run()\n"
        "print(code, sorted(m for m in ('stdnum', 'reportlab.graphics.barcode', 'reportlab.graphics.shapes') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(story), "--format", "pdf", "-o", str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert (tmp_path / "out" / "ice" / "cover.pdf").is_file()


LIBRARY_PROBE = r"""
import importlib, json, re, sys
from chapterbook import lazy_patterns  # the hook, as every chapterbook process has it
html_block = importlib.import_module("markdown_it.rules_block.html_block")  # the package has a function of that name
identifier = importlib.import_module("jinja2._identifier")
seen = [p for seq in html_block.HTML_SEQUENCES for p in seq[:2]] + [identifier.pattern]
before = [isinstance(p, lazy_patterns.LazyPattern) and p._compiled is None for p in seen]
out = {"before": before, "re_compile_restored": re.compile.__module__ == "re",
       "patterns": [[p.pattern, p.flags] for p in seen]}
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark", {"html": True})
out["html"] = [[t.type for t in md.parse(text)] for text in ("<div>\nhi\n</div>\n", "<!-- note -->\n", "<script>x</script>\n", "plain text\n")]
from jinja2 import Environment
out["jinja"] = Environment().from_string("{{ naïve ~ 'x' }}{% for élan in [1, 2] %}{{ élan }}{% endfor %}").render(naïve="ü")
out["left_before_reportlab"] = lazy_patterns._HOOK in sys.meta_path
import reportlab.platypus.paragraph
out["left_after_all"] = lazy_patterns._HOOK in sys.meta_path
print(json.dumps(out))
"""


def _library_probe(first: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", first + "\n" + LIBRARY_PROBE], capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src")}, check=True
    )
    return json.loads(done.stdout)


def test_markdown_its_html_patterns_and_jinjas_identifier_wait_until_used_and_then_work_as_the_librarys():
    got = _library_probe("")
    assert len(got["before"]) == 15 and all(got["before"])  # 13 of markdown-it's HTML block patterns and Jinja's identifier, none compiled yet
    assert got["re_compile_restored"]
    # Imported as the libraries would import themselves (before chapterbook): compiled eagerly, the same patterns and results.
    eager = _library_probe("import markdown_it, jinja2")
    assert not any(eager["before"])
    assert got["patterns"] == eager["patterns"]
    assert got["html"] == eager["html"] and got["jinja"] == eager["jinja"] == "üx12"
    assert got["html"][0] == ["html_block"] and got["html"][3] == ["paragraph_open", "inline", "paragraph_close"]
    # The hook stays in the import system while a module of its list is still to come, and only so long.
    assert got["left_before_reportlab"] and not got["left_after_all"]


def test_chapter_text_with_html_is_still_found_and_reported():
    """The deferred HTML patterns are compiled when a chapter line starts with '<', and lint still reports it."""
    from chapterbook.text import parse

    found = parse("Cassie ran.\n\n<div>a box</div>\n\n<!-- a note -->\n")
    assert [f.construct for f in found.findings] == ["HTML", "HTML"]
