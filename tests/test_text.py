"""Sentence, word and markup handling that every stage relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chapterbook.text import CURLY_QUOTES, blocks, flesch_kincaid_grade, inline_markup, sentences, smart_dashes, smart_quotes, syllables, typeset, words


def test_dialogue_tags_stay_in_their_sentence():
    got = [s.text for s in sentences('"Wow!" said Cassie. "What was that?" Caleb asked. Mr. Lee waved. Then it fell.')]
    assert got == ['"Wow!" said Cassie.', '"What was that?" Caleb asked.', "Mr. Lee waved.", "Then it fell."]


def test_emphasis_and_no_do_not_glue_sentences():
    assert len(sentences("She buckled up. *Click!* Then she checked. *Click!*")) == 4
    assert len(sentences('"No. The wheels are fine."')) == 2
    assert len(sentences("Take bus No. 5 today.")) == 1


def test_sentence_offsets_point_at_the_sentence():
    text = "One two. Three four five!  Six?"
    for s in sentences(text):
        assert text[s.start : s.start + len(s.text)] == s.text


def test_words_and_syllables():
    assert words("Cassie's cart didn't *budge*, 2 times!") == ["Cassie's", "cart", "didn't", "budge", "2", "times"]
    assert [syllables(w) for w in ["cat", "apple", "gravity", "ball", "table", "rolled"]] == [1, 2, 3, 1, 2, 1]


def test_blocks_find_paragraphs_dialogue_markers_and_breaks():
    text = 'First line\nsame para.\n\n"Hi!" said Mo.\n\n[illustration: cart]\n\n* * *\n\n# Heading\n'
    kinds = [(b.kind, b.ref) for b in blocks(text)]
    assert kinds == [("paragraph", ""), ("dialogue", ""), ("illustration", "cart"), ("break", ""), ("heading", "")]
    assert blocks(text)[0].text == "First line same para."


def test_grade_is_low_for_early_reader_text_and_high_for_academic_text():
    easy = "The cat sat. The dog ran. We had fun in the sun."
    hard = "Consequently, gravitational acceleration characterises the behaviour of macroscopic objects irrespective of composition."
    assert flesch_kincaid_grade(easy) < 1 < 10 < flesch_kincaid_grade(hard)
    assert flesch_kincaid_grade("") is None


@given(st.text())
def test_inline_markup_never_lets_a_tag_through(text):
    out = inline_markup(text)
    stripped = out.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace("</i>", "")
    assert "<" not in stripped and ">" not in stripped


def test_inline_markup_emphasis():
    assert inline_markup("a *b* **c** <d> & e") == "a <i>b</i> <b>c</b> &lt;d&gt; &amp; e"


@pytest.mark.parametrize(
    "straight, curly",
    [
        ('"Beach day!" shouted Caleb.', "“Beach day!” shouted Caleb."),
        ("It's Cassie's ball, not the kids' ball.", "It’s Cassie’s ball, not the kids’ ball."),
        ("She said, 'Hi.'", "She said, ‘Hi.’"),
        ("\"She said 'hi.'\"", "“She said ‘hi.’”"),
        ("\"'Hi,' she said.\"", "“‘Hi,’ she said.”"),
        ('"Wait—" she said—"stop!"', "“Wait—” she said—“stop!”"),
        ("Rock 'n' roll in the '90s, 'cause we like 'em.", "Rock ’n’ roll in the ’90s, ’cause we like ’em."),
        ('("Rocky\'s")', "(“Rocky’s”)"),
        ('"I *am* holding it," said Caleb.', "“I *am* holding it,” said Caleb."),
        ('*"Wow!"* and **"Boom."**', "*“Wow!”* and **“Boom.”**"),
        ("no quotes at all", "no quotes at all"),
    ],
)
def test_smart_quotes(straight, curly):
    assert smart_quotes(straight) == curly


@given(st.text(alphabet=st.sampled_from(list("ab 1.,!—(*_\"'\n"))))
def test_smart_quotes_changes_only_the_quote_marks(text):
    out = smart_quotes(text)
    assert len(out) == len(text)
    assert "'" not in out and '"' not in out
    for a, b in zip(text, out):
        assert a == b or (a == '"' and b in "“”") or (a == "'" and b in "‘’")
    assert smart_quotes(out) == out  # nothing left to change


def test_inline_markup_sets_quotes_only_when_asked_and_still_escapes():
    text = '"<b>" & *"Hi"*'
    assert inline_markup(text) == '"&lt;b&gt;" &amp; <i>"Hi"</i>'
    assert inline_markup(text, quotes=True) == "“&lt;b&gt;” &amp; <i>“Hi”</i>"
    assert set(CURLY_QUOTES) == set("‘’“”")


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Wait--no.", "Wait–no."),
        ("ages 6--8", "ages 6–8"),
        ("I knew---I was sure.", "I knew—I was sure."),
        ("Hmm...", "Hmm…"),
        ("one - two", "one - two"),  # a single hyphen or spaced hyphen stays
        ("well-known", "well-known"),
        ("----", "—-"),  # no rule past three
        ("no dashes here", "no dashes here"),
    ],
)
def test_smart_dashes(typed, printed):
    assert smart_dashes(typed) == printed


def test_typeset_sets_dashes_before_judging_quotes():
    assert typeset('"Wait--" she said. "Stop..."') == "“Wait–” she said. “Stop…”"
    assert typeset('She stopped---"No!"') == "She stopped—“No!”"
