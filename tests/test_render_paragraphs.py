"""`pdf.paragraph`: plain text skips ReportLab's markup parser and must give exactly what the parser gives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.colors import CMYKColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, paraparser

from chapterbook.render import pdf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STYLES = [
    ParagraphStyle("body", fontName="Helvetica", fontSize=15, leading=22),
    ParagraphStyle("shout", fontName="Helvetica-Bold", fontSize=11, leading=14, textTransform="uppercase", textColor=CMYKColor(0, 0, 0, 1)),
    ParagraphStyle("title", fontName="Times-Roman", fontSize=20, leading=24, textTransform="capitalize", alignment=1),
]
# Story text as authors write it: letters, curly quotes, dashes, emoji, right-to-left words, stray
# spaces, tabs and line breaks; never a bare `<` or `&` (inline_markup escapes those to entities).
TEXT = st.text(st.characters(blacklist_characters="<&", blacklist_categories=("Cs",)), max_size=120) | st.sampled_from(
    ["Cassie said, “Push!”", "  two\n lines \t here ", "שלום and hello", "rock 🪨 — fast", "x", "", "   "]
)


def _lines(p: Paragraph, width: float) -> list:
    p.wrap(width, 10_000)
    return [(getattr(line, "words", line), getattr(line, "extraSpace", None)) for line in p.blPara.lines]


@given(text=TEXT, style=st.sampled_from(STYLES), width=st.sampled_from([40.0, 180.0, 320.0]))
def test_a_plain_paragraph_is_what_the_parser_makes(text, style, width):
    fast, parsed = pdf.paragraph(text, style), Paragraph(text, style)
    assert fast.text == parsed.text
    assert [f.__dict__ for f in fast.frags] == [f.__dict__ for f in parsed.frags]
    assert fast.wrap(width, 10_000) == parsed.wrap(width, 10_000)
    assert repr(fast.blPara) == repr(parsed.blPara)


def test_the_parser_runs_once_per_style_for_plain_text_and_every_time_for_markup(monkeypatch):
    calls = []
    real = paraparser.ParaParser.parse
    monkeypatch.setattr(paraparser.ParaParser, "parse", lambda self, text, style: calls.append(text) or real(self, text, style))
    style = ParagraphStyle("fresh", fontName="Helvetica", fontSize=14, leading=20)
    for text in ("One plain paragraph.", "Another one.", "And a third."):
        pdf.paragraph(text, style)
    assert calls == ["x"]  # the fragment made once, for this style
    marked = pdf.paragraph("A <b>bold</b> word &amp; more.", style)
    assert calls[1:] == ["A <b>bold</b> word &amp; more."]
    assert "".join(f.text for f in marked.frags) == "A bold word & more." and marked.frags[1].bold


def test_fragments_do_not_share_their_lists():
    style = ParagraphStyle("lists", fontName="Helvetica", fontSize=14, leading=20)
    a, b = pdf.paragraph("first", style), pdf.paragraph("second", style)
    a.frags[0].us_lines.append("mark")
    a.frags[0].link.append("mark")
    assert b.frags[0].us_lines == [] and b.frags[0].link == []
