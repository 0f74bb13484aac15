"""Sentence, word and markup handling that every stage relies on."""

from __future__ import annotations

from hypothesis import given, strategies as st

from chapterbook.text import blocks, flesch_kincaid_grade, inline_markup, sentences, syllables, words


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
    text = "First line\nsame para.\n\n\"Hi!\" said Mo.\n\n[illustration: cart]\n\n* * *\n\n# Heading\n"
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
