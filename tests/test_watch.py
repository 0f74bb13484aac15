"""chapterbook watch: rebuilds on save, keeps the last good book through mistakes, reloads open pages.

The browser test drives Debian's chromium through Playwright (pointed at that executable,
nothing downloaded) and checks that the page's text changes after a chapter is saved, with
no reload asked for by the test. Waits are on events and page content, never on sleeps.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from chapterbook.watch.changes import changed, signature
from chapterbook.watch.loop import follow, start
from chapterbook.watch.server import decorate
from chapterbook.watch.session import Build
from render_fixtures import make_story

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OLD = "The next day, Grandpa Ravi came over with a bowl of water."
NEW = "On Saturday a purple kangaroo hopped in with a bowl of water."


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - our own server on 127.0.0.1
        return r.read().decode("utf-8")


def _status(url: str) -> dict:
    return json.loads(_get(url + "status.json"))


class Running:
    """A watch session run in a thread, as `chapterbook watch` runs it; records every build."""

    def __init__(self, story: Path, *, pdf: bool = False, port: int = 0, output: Path | None = None):
        self.watcher = start(story, port=port, pdf=pdf, output_root=output)
        self.builds: list[tuple[Build, list[str]]] = []
        self.new_build = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=follow, args=(self.watcher, self._on_build, self.stop, 0.02), daemon=True)
        self.thread.start()
        self.wait_for(lambda b: b.version >= 1)

    def _on_build(self, build: Build, paths: list[str]) -> None:
        with self.new_build:
            self.builds.append((build, paths))
            self.new_build.notify_all()

    def wait_for(self, test, timeout: float = 60.0) -> Build:
        with self.new_build:
            ok = self.new_build.wait_for(lambda: self.builds and test(self.builds[-1][0]), timeout=timeout)
            assert ok, f"no build matched; last: {self.builds[-1] if self.builds else None}"
            return self.builds[-1][0]

    @property
    def url(self) -> str:
        return self.watcher.url

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.watcher.close()


@pytest.fixture
def magnet(tmp_path) -> Path:
    shutil.copytree(Path(__file__).resolve().parents[1] / "stories" / "magnet-mystery", tmp_path / "magnet")
    return tmp_path / "magnet" / "story.yaml"


@pytest.fixture
def running(magnet, tmp_path):
    runs: list[Running] = []

    def go(story: Path = magnet, **kw) -> Running:
        kw.setdefault("output", tmp_path / "out")
        runs.append(Running(story, **kw))
        return runs[-1]

    yield go
    for r in runs:
        r.close()


def test_signature_sees_edits_additions_and_removals(tmp_path):
    (tmp_path / "a.md").write_text("one")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x").write_text("cache")
    first = signature(tmp_path)
    assert list(first) == [str(tmp_path / "a.md")]  # hidden folders (caches) are not the book
    (tmp_path / "a.md").write_text("one more")
    (tmp_path / "b.png").write_bytes(b"\x89PNG")
    second = signature(tmp_path)
    assert changed(first, second) == [str(tmp_path / "a.md"), str(tmp_path / "b.png")]
    shutil.rmtree(tmp_path)
    assert signature(tmp_path) == {} and changed(second, {}) == sorted(second)


def test_decorate_puts_banner_after_body_and_script_before_its_end():
    from chapterbook.errors import Location, Problem

    build = Build(3, "x", None, 0, (Problem("bad <thing>", Location(Path("story.yaml"), 4, 2)),), failed=True)
    page = decorate('<html><body class="b"><p>text</p></body></html>', build)
    assert page.index('<body class="b">') < page.index("chapterbook-problems") < page.index("<p>text</p>")
    assert page.index("<p>text</p>") < page.index("EventSource") < page.index("</body>")
    assert "bad &lt;thing&gt;" in page and "story.yaml:4:2" in page and "var version = 3;" in page


def test_a_save_rebuilds_and_a_broken_save_keeps_the_last_good_book(running, magnet):
    run = running()
    assert OLD in _get(run.url)
    chapter = magnet.parent / "chapters" / "02-the-needle-that-knows-north.md"
    chapter.write_text(chapter.read_text().replace(OLD, NEW))
    build = run.wait_for(lambda b: b.version >= 2)
    assert not build.failed and NEW in _get(run.url)

    good_yaml = magnet.read_text()
    magnet.write_text(good_yaml.replace("title:", 'title: "unclosed', 1))  # saved half-typed
    build = run.wait_for(lambda b: b.failed)
    page = _get(run.url)
    assert NEW in page, "the last good preview is still served"
    assert 'id="chapterbook-problems"' in page and "story.yaml:" in page
    assert any("story.yaml:" in p for p in _status(run.url)["problems"])

    magnet.write_text(good_yaml)
    build = run.wait_for(lambda b: not b.failed)
    assert 'id="chapterbook-problems"' not in _get(run.url)


def test_a_deleted_picture_and_a_vanished_folder_are_shown_and_survived(running, tmp_path):
    story = make_story(tmp_path / "ice")
    run = running(story)
    assert not run.builds[-1][0].failed
    (story.parent / "images" / "cart.png").unlink()
    build = run.wait_for(lambda b: b.failed)
    assert any("cart.png" in p.format() for p in build.problems)

    hidden = tmp_path / "ice-away"
    story.parent.rename(hidden)
    build = run.wait_for(lambda b: b.failed and any("story" in p.format() for p in b.problems) and b.version > 2)
    assert "Cassie pushed the beach cart" in _get(run.url), "the last good book is still served"
    hidden.rename(story.parent)
    (story.parent / "images").mkdir(exist_ok=True)
    from render_fixtures import write_image

    write_image(story.parent / "images" / "cart.png")
    run.wait_for(lambda b: not b.failed)


def test_a_taken_port_moves_to_a_free_one(running):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = running(port=port)
        assert not run.url.endswith(f":{port}/")
        assert run.url.startswith("http://127.0.0.1:")


def test_pdf_mode_serves_pages_and_leaves_no_files(running):
    run = running(pdf=True)
    build = run.builds[-1][0]
    assert build.pages > 10 and build.pdf is not None
    workdir = build.pdf.parent.parent
    pages = _get(run.url + "pages")
    assert pages.count('<figure class="page">') == build.pages
    with urllib.request.urlopen(run.url + "pages/2.png", timeout=30) as r:  # noqa: S310
        assert r.headers["Content-Type"] == "image/png" and r.read(8) == b"\x89PNG\r\n\x1a\n"
    run.close()
    assert not workdir.exists(), "the session's private PDFs are removed when it stops"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")
def test_an_open_browser_page_updates_itself_after_a_save(running, magnet):
    from playwright.sync_api import sync_playwright

    run = running()
    chapter = magnet.parent / "chapters" / "02-the-needle-that-knows-north.md"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
        try:
            page = browser.new_page()
            page.goto(run.url)
            assert OLD in page.inner_text("body")
            page.wait_for_function("() => window.performance.getEntriesByType('navigation').length > 0")
            chapter.write_text(chapter.read_text().replace(OLD, NEW))
            # No reload from the test: the page must reload itself on the server's event.
            page.wait_for_function(f"() => document.body.innerText.includes({json.dumps(NEW)})", timeout=30_000)
            assert OLD not in page.inner_text("body")

            magnet.write_text(magnet.read_text().replace("title:", 'title: "unclosed', 1))
            page.wait_for_selector("#chapterbook-problems", timeout=30_000)
            assert "story.yaml:" in page.inner_text("#chapterbook-problems")
            assert NEW in page.inner_text("body")
        finally:
            browser.close()


def test_a_rebuild_after_a_save_works_out_again_only_what_the_edit_changed(magnet, tmp_path, monkeypatch):
    from chapterbook.spec import memo as memo_module
    from chapterbook.watch.session import Session

    memos = []
    real = memo_module.for_output
    monkeypatch.setattr(memo_module, "for_output", lambda *a, **kw: memos.append(real(*a, **kw)) or memos[-1])
    session = Session(magnet, tmp_path / "out")
    assert not session.rebuild().failed
    assert memos[0].made["reading"] >= 2  # every chapter's reading level worked out once
    chapter = magnet.parent / "chapters" / "02-the-needle-that-knows-north.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\nCaleb held the needle very still.\n", encoding="utf-8")
    build = session.rebuild()
    assert not build.failed and "Caleb held the needle very still." in build.preview
    assert memos[1].made["reading"] == 1, "only the edited chapter's reading level is worked out again"
    assert memos[1].made["yaml"] == 0  # story.yaml did not change: its parse is kept
