"""New chapter texts parsed in a helper process while the build loads its templates (text.grammar.parse_elsewhere).

The helper is a fork, so these run in processes of their own (pytest may have threads, and
then no helper is started, by design).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from chapterbook.spec.memo import Memo
from chapterbook.text import grammar

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "stories" / "beach-ride-quest"

# One `chapterbook build` in this process, as the command runs it; then what the process saw.
PROBE = r"""
import json, os, sys
from chapterbook.text import grammar
read = []
real = grammar._Reader.read
grammar._Reader.read = lambda self, tokens: read.append(self.text[:30]) or real(self, tokens)
started = []
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        started.append(pid)
    return pid
os.fork = fork
if os.environ.get("BREAK_HELPER"):  # the helper dies before it sends anything
    real_parse = grammar.parse
    def parse(text, tolerant=False):
        if os.getpid() != PARENT:
            os._exit(3)
        return real_parse(text, tolerant)
    grammar.parse = parse
PARENT = os.getpid()
from chapterbook.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "helpers": len(started), "parsed_here": read,
                  "markdown_it": "markdown_it" in sys.modules, "jinja2": "jinja2" in sys.modules}))
"""


def _build(book: Path, out: Path, formats: str, **env: str) -> dict:
    environment = dict(os.environ, PYTHONPATH=str(REPO / "src"), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "build", str(book / "story.yaml"), "--format", formats, "-o", str(out)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _edit(book: Path, word: str) -> None:
    chapter = sorted((book / "chapters").glob("*.md"))[1]
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(" the ", f" the {word} ", 1), encoding="utf-8")


def test_after_an_edit_the_helper_parses_the_chapter_and_the_ebook_is_the_same(tmp_path):
    book, again = tmp_path / "book", tmp_path / "again"
    shutil.copytree(SAMPLE, book)
    shutil.copytree(SAMPLE, again)
    first = _build(book, tmp_path / "out", "epub,md,html")  # a first build: no helper (see the template test below)
    assert first["code"] == 0 and first["helpers"] == 0 and first["parsed_here"]
    assert _build(again, tmp_path / "alone", "epub,md,html")["helpers"] == 0
    _edit(book, "quite")
    second = _build(book, tmp_path / "out", "epub,md,html")  # the edited chapter is parsed by the helper
    assert second["code"] == 0 and second["helpers"] == 1 and second["parsed_here"] == []
    assert second["markdown_it"] is False  # this process never loaded markdown-it (the strings' runs were kept too)
    # The same edit to a copy whose helper dies before it sends anything: the chapter is parsed here instead.
    _edit(again, "quite")
    alone = _build(again, tmp_path / "alone", "epub,md,html", BREAK_HELPER="1")
    assert alone["code"] == 0 and alone["helpers"] == 1 and alone["markdown_it"] is True
    assert len(set(alone["parsed_here"])) == 1  # only the edited chapter (the others were kept by the first build)
    for name in ("book.epub", "manuscript.md", "preview.html"):
        made, fallback = (tmp_path / "out" / "book" / name).read_bytes(), (tmp_path / "alone" / "again" / name).read_bytes()
        assert made.replace(b"again", b"book") == fallback.replace(b"again", b"book"), name  # a folder's name is the only difference


def test_no_helper_for_a_print_only_build_or_when_nothing_is_new(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(SAMPLE, book)
    pdf = _build(book, tmp_path / "out", "pdf")  # no templates to load meanwhile: parsed here
    assert pdf["helpers"] == 0 and pdf["parsed_here"]
    ebook = _build(book, tmp_path / "out", "epub")  # every chapter known: nothing for a helper to parse
    assert ebook["helpers"] == 0 and ebook["parsed_here"] == []
    (tmp_path / "out" / "book" / ".cache" / "uptodate").rename(tmp_path / "records")  # a rebuild, with every parse kept
    again = _build(book, tmp_path / "out", "epub")
    assert again["helpers"] == 0 and again["parsed_here"] == []
    assert again["markdown_it"] is False  # the strings' runs were kept too (text.inline.known_inlines)


def test_no_helper_while_other_threads_run(tmp_path):
    """A fork copies a lock another thread holds, held: with threads running the texts are parsed here."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert grammar.parse_elsewhere(["# A text no run has parsed\n\nWords.\n"], Memo()) is False
        assert not grammar.parsing_elsewhere()
    finally:
        stop.set()
        other.join()


def test_a_helper_nobody_waits_for_is_ended_and_reaped():
    code = (
        "import os, sys\n"
        "from chapterbook.spec.memo import Memo\n"
        "from chapterbook.text import grammar\n"
        "assert grammar.parse_elsewhere(['# New\\n\\nA text.\\n'], Memo())\n"
        "pid = grammar._helper[0]\n"
        "grammar.stop_parsing_elsewhere()\n"
        "assert not grammar.parsing_elsewhere()\n"
        "try:\n"
        "    os.waitpid(pid, os.WNOHANG)\n"
        "    print('still a child')\n"
        "except ChildProcessError:\n"
        "    print('reaped')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO / "src")), check=True)
    assert done.stdout.strip() == "reaped"


def test_a_template_mistake_is_reported_in_its_place_with_the_helper_running(tmp_path):
    """Templates loaded ahead leave their mistakes for the render: the author sees the same plain message."""
    book = tmp_path / "book"
    shutil.copytree(SAMPLE, book)
    (book / "templates" / "epub").mkdir(parents=True)
    broken = book / "templates" / "epub" / "chapter.xhtml.j2"
    # A first build with the mistake: no helper, no output folder left behind.
    broken.write_text("<p>{% if ch %}unclosed\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "chapterbook", "build", str(book / "story.yaml"), "--format", "epub", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    assert done.returncode == 1 and "chapter.xhtml.j2:1: error: template has a syntax error" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
    # Built once without the mistake, then edited with it: the helper runs, the message is the same.
    broken.unlink()
    assert _build(book, tmp_path / "out", "epub")["code"] == 0
    broken.write_text("<p>{% if ch %}unclosed\n", encoding="utf-8")
    _edit(book, "very")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "build", str(book / "story.yaml"), "--format", "epub", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["code"] == 1 and got["helpers"] == 1
    assert "chapter.xhtml.j2:1: error: template has a syntax error" in done.stderr and "Traceback" not in done.stderr
