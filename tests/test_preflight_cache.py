"""An unchanged PDF keeps its preflight report; any change to its bytes means a fresh check (issue #20)."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from chapterbook import preflight_cache
from chapterbook.render.printfiles import write_pdf
from chapterbook.spec.load import load_story
from render_fixtures import make_story

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
