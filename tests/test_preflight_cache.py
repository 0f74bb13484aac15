"""An unchanged PDF keeps its preflight report; any change to its bytes means a fresh check (issue #20)."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from chapterbook import preflight_cache
from chapterbook.render.printfiles import write_pdf
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _fields(report):
    return {k: v for k, v in asdict(report).items() if k != "pdf"}


def test_the_same_pdf_is_not_checked_twice_and_its_report_is_the_same(tmp_path, monkeypatch):
    story = load_story(make_story(tmp_path / "book"))
    out = tmp_path / "out"
    checked = []
    real = preflight_cache.preflight
    monkeypatch.setattr(preflight_cache, "preflight", lambda pdf, **kw: checked.append(pdf) or real(pdf, **kw))
    first = write_pdf(story, out)
    assert len(checked) == 2  # the interior and the cover
    again = write_pdf(story, out)  # the renderer is deterministic: the same bytes
    assert len(checked) == 2, "an unchanged PDF was preflighted again"
    assert [_fields(r) for r in again.reports] == [_fields(r) for r in first.reports]
    assert [r.verdict() for r in again.reports] == [r.verdict() for r in first.reports]
    assert again.reports[0].pdf == out / "book.pdf"


def test_a_different_pdf_or_another_kind_is_checked_afresh(tmp_path, monkeypatch):
    story = load_story(make_story(tmp_path / "book"))
    out = tmp_path / "out"
    write_pdf(story, out)
    cache = out / ".cache" / "preflight"
    pdf = out / "book.pdf"
    checked = []
    real = preflight_cache.preflight
    monkeypatch.setattr(preflight_cache, "preflight", lambda p, **kw: checked.append(p) or real(p, **kw))
    trim = story.spec.layout.trim_inches()
    preflight_cache.preflight_cached(pdf, cache, kind="interior", trim_in=trim)
    assert checked == []
    preflight_cache.preflight_cached(pdf, cache, kind="interior", trim_in=(8.5, 11.0))  # asked against another trim
    assert len(checked) == 1
    pdf.write_bytes(pdf.read_bytes() + b"% one more line\n")  # other bytes, still a readable PDF
    report = preflight_cache.preflight_cached(pdf, cache, kind="interior", trim_in=trim)
    assert len(checked) == 2 and report.pdf == pdf
    assert len(list(cache.glob("interior-*.json"))) == 1  # one entry per kind, the latest


def test_after_one_chapter_changed_only_its_pages_are_parsed_again_and_the_report_is_a_fresh_one(tmp_path, monkeypatch):
    from chapterbook import preflight as preflight_module

    text = "\n\n".join([PARAGRAPH] * 12)
    root = tmp_path / "book"
    story = load_story(make_story(root, chapters=[text, text, text]))
    out = tmp_path / "out"
    write_pdf(story, out)
    parsed = []
    real_run = preflight_module._PageScan.run
    monkeypatch.setattr(preflight_module._PageScan, "run", lambda self: parsed.append(1) or real_run(self))
    # The last chapter gets a new paragraph: its pages change, the others are the same bytes.
    edited = (
        (root / "story.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  - title: Chapter 3 title\n    concepts: [inertia]\n    text: |\n",
            "  - title: Chapter 3 title\n    concepts: [inertia]\n    text: |\n      Caleb found a shell that looked like a tiny fan.\n\n",
        )
    )
    assert edited != (root / "story.yaml").read_text(encoding="utf-8")
    (root / "story.yaml").write_text(edited, encoding="utf-8")
    result = write_pdf(load_story(root / "story.yaml"), out)
    interior = result.reports[0]
    assert 0 < len(parsed) < interior.pages, f"{len(parsed)} of {interior.pages} pages parsed again"
    monkeypatch.setattr(preflight_module._PageScan, "run", real_run)
    fresh = preflight_module.preflight(out / "book.pdf", kind="interior", trim_in=story.spec.layout.trim_inches())
    assert _fields(interior) == _fields(fresh)
    # What is kept is this PDF's pages only, so the file stays the size of one book.
    import json

    kept = json.loads((out / ".cache" / "preflight" / "pages-interior.json").read_text(encoding="utf-8"))["pages"]
    assert len(kept) <= interior.pages


def test_a_page_that_paints_a_different_picture_is_scanned_again(tmp_path):
    from chapterbook import preflight as preflight_module

    story = load_story(make_story(tmp_path / "book"))
    out = tmp_path / "out"
    write_pdf(story, out)
    pdf = out / "book.pdf"
    seen: dict = {}
    first = preflight_module.preflight(pdf, kind="interior", pages_seen=seen)
    assert first.images and 0 < len(seen) <= first.pages  # blank pages share one signature
    # The same page bytes but the picture's recorded size changed: its page must not be answered from `seen`.
    for found in seen.values():
        for image in found["images"]:
            image[1] = 1  # as if the picture had been 1 px wide
    again = preflight_module.preflight(pdf, kind="interior", pages_seen=seen)
    assert [i.width_px for i in again.images] == [1] * len(first.images)  # the memo is used when the signature matches ...
    replaced = tmp_path / "other.pdf"
    replaced.write_bytes(pdf.read_bytes().replace(b"/Width %d" % first.images[0].width_px, b"/Width %d" % (first.images[0].width_px - 1), 1))
    third = preflight_module.preflight(replaced, kind="interior", pages_seen=seen)
    assert third.images[0].width_px == first.images[0].width_px - 1  # ... and not when a painted image's size differs


def test_a_pdf_checked_before_is_reported_without_loading_the_pdf_reader(tmp_path):
    """The report of an unchanged PDF comes from the cache alone: pypdf (a tenth of a second to load) is not imported."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    story = load_story(make_story(tmp_path / "book"))
    out = tmp_path / "out"
    first = write_pdf(story, out)
    trim = list(story.spec.layout.trim_inches())
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from dataclasses import asdict\n"
        "from chapterbook.preflight_cache import preflight_cached\n"
        "out = Path(sys.argv[1])\n"
        "r = preflight_cached(out / 'book.pdf', out / '.cache' / 'preflight', kind='interior', trim_in=tuple(json.loads(sys.argv[2])))\n"
        "print(json.dumps({'pypdf': 'pypdf' in sys.modules, 'verdict': r.verdict(), 'pages': r.pages, 'findings': len(r.findings)}))\n"
    )
    src = Path(__file__).resolve().parent.parent / "src"
    done = subprocess.run([sys.executable, "-c", script, str(out), json.dumps(trim)], capture_output=True, text=True, env={"PYTHONPATH": str(src)}, check=True)
    got = json.loads(done.stdout)
    interior = first.reports[0]
    assert got == {"pypdf": False, "verdict": interior.verdict(), "pages": interior.pages, "findings": len(interior.findings)}
    (out / "book.pdf").write_bytes((out / "book.pdf").read_bytes() + b"% changed\n")  # a PDF not seen: the reader is loaded
    done = subprocess.run([sys.executable, "-c", script, str(out), json.dumps(trim)], capture_output=True, text=True, env={"PYTHONPATH": str(src)}, check=True)
    assert json.loads(done.stdout)["pypdf"] is True
