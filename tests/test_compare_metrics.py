"""Each metric on short hand-written texts whose answers are known."""

from __future__ import annotations

import pytest

from chapterbook.compare import craft, readability, safety, science, similarity
from chapterbook.compare.metrics import Craft, KeyTermUse, PhraseCount, Science
from chapterbook.compare.prose import parse
from chapterbook.compare.words import base_forms, stem
from chapterbook.spec.models import Concept, StorySpec
from chapterbook.text import flesch_kincaid_grade

SPEC = StorySpec.model_validate(
    {
        "spec_version": 1,
        "book": {"title": "T", "authors": ["A"]},
        "characters": [{"id": "cassie", "name": "Cassie Quill"}],
        "chapters": [{"title": "One"}],
    }
)
INERTIA = Concept.model_validate(
    {
        "id": "inertia",
        "name": "Inertia",
        "explanation": "Things keep doing what they are doing until a force changes it.",
        "key_terms": [{"term": "inertia", "definition": "x"}, {"term": "force", "definition": "A push or a pull."}],
        "facts": [
            "A moving object keeps moving until a force stops it.",
            "An object at rest stays still until a push or pull moves it.",
            "Heavier things need a bigger push to start moving.",
        ],
        "misconceptions": ["Moving things stop by themselves because they get tired."],
    }
)
WL = readability.word_lists(SPEC)
VOCAB = science.vocab()


def sci(text: str) -> Science:
    return science.measure(parse(text), [INERTIA], VOCAB)


def crafted(text: str) -> Craft:
    return craft.measure(parse(text), craft.cliche_patterns(), VOCAB.stopwords)


# --- words -------------------------------------------------------------------------------


def test_stem_folds_inflections_together():
    assert stem("push") == stem("pushes") == stem("pushed") == stem("pushing")
    assert stem("move") == stem("moving") == stem("moves")
    assert stem("fell") == stem("falls") == stem("fall")
    assert stem("speed") != stem("sped") or stem("speed") == "speed"
    assert stem("speed") == "speed"


def test_base_forms_handles_plurals_possessives_and_tenses():
    assert "baby" in base_forms("babies")
    assert "dog" in base_forms("dog's")
    assert "hop" in base_forms("hopping")
    assert "hope" in base_forms("hoping")
    assert "quick" not in base_forms("quickly")
    assert "quick" in base_forms("quickly", adjective_endings=True)


# --- readability ---------------------------------------------------------------------------


def test_spache_formula_on_known_counts():
    # 10 words per sentence, 5% unfamiliar -> 0.121*10 + 0.082*5 + 0.659
    assert readability.spache_grade(10, 5) == pytest.approx(2.28, abs=0.01)


def test_easy_text_has_no_unfamiliar_words_and_low_grade():
    m = readability.measure(parse("The dog ran to the big red ball. The dog was happy."), SPEC, WL)
    assert m.words == 12 and m.sentences == 2
    assert m.words_per_sentence == 6.0
    assert m.spache_unfamiliar == []
    assert m.spache_grade == pytest.approx(0.121 * 6 + 0.659, abs=0.01)
    assert m.hard_words == []


def test_unfamiliar_words_count_once_and_names_are_familiar():
    text = "Cassie saw inertia. Inertia is a word. Quill likes inertia."
    m = readability.measure(parse(text), SPEC, WL)
    # 'inertia' three times counts once; Cassie and Quill are names from the spec.
    assert m.spache_unfamiliar == ["inertia"]
    assert m.spache_unfamiliar_percent == pytest.approx(100 * 1 / m.words, abs=0.01)
    assert m.hard_words == ["inertia"]


def test_key_terms_are_not_hard_words_but_count_for_spache():
    spec = SPEC.model_copy(update={"concepts": [INERTIA]})
    m = readability.measure(parse("The dog has inertia."), spec, readability.word_lists(spec))
    assert m.spache_unfamiliar == ["inertia"]
    assert m.hard_words == []


def test_inflections_of_listed_words_are_familiar_but_adverbs_are_not_for_spache():
    m = readability.measure(parse("The dogs jumped and played. She walked quickly."), SPEC, WL)
    assert m.spache_unfamiliar == ["quickly"]
    assert m.hard_words == []  # the easy-word share accepts -ly forms


def test_flesch_kincaid_matches_the_text_module():
    text = "Cassie pushed the cart down the sandy hill. It rolled and rolled until it stopped."
    assert readability.measure(parse(text), SPEC, WL).fk_grade == flesch_kincaid_grade(text)


def test_long_sentences_break_the_spec_rule():
    long = "Word " + " ".join(["word"] * 19) + "."
    m = readability.measure(parse("Short one. " + long), SPEC, WL)
    assert m.longest_sentence_words == 20
    assert len(m.long_sentences) == 1  # default rule: at most 14 words


def test_targets_follow_age_and_rules():
    t = readability.targets(SPEC)
    assert t["spache_grade"] == (1.0, 3.0)
    assert t["words_per_sentence"] == (0.0, 10.0)
    assert t["fk_grade"] == (0.0, 3.0)


# --- science ----------------------------------------------------------------------------------


def test_setting_only_chapter_covers_no_facts():
    m = sci("The sun was warm. The sand was soft and gold. Gulls flew over the waves.")
    assert m.facts_total == 3
    assert m.facts_stated == 0
    assert m.science_share == 0.0
    assert m.explanations == 0
    assert all(t.count == 0 for t in m.concepts[0].key_terms)


def test_fact_stated_in_other_words_is_found_with_its_sentence():
    m = sci("The cart was rolling. A rolling cart keeps on moving until a force stops it.")
    fact = m.concepts[0].facts[0]
    assert fact.stated
    assert fact.sentences == ["A rolling cart keeps on moving until a force stops it."]
    assert m.concepts[0].key_terms[1] == KeyTermUse("force", 1)


def test_fact_shown_across_two_sentences_counts():
    # Each sentence alone holds 2 of the fact's 5 content words; together they hold 4.
    m = sci("The cart got heavier and stopped moving. Cassie needed to push hard.")
    assert m.concepts[0].facts[2].stated
    assert len(m.concepts[0].facts[2].sentences) == 2


def test_explanation_markers_are_counted():
    m = sci("It stopped because the sand pushed back. That is why it slowed. It was heavy, so it was hard to push.")
    names = {x.marker for x in m.explanation_markers}
    assert {"because", "that is why", "so (as a result)"} <= names
    assert m.explanations == 3


def test_misconception_repeated_and_corrected():
    repeated = sci("The ball stopped by itself because it got tired of moving.")
    assert len(repeated.misconceptions_repeated) == 1
    corrected = sci("Some people think moving things stop by themselves because they get tired. That is not true!")
    assert corrected.misconceptions_repeated == []
    assert len(corrected.misconceptions_corrected) == 1


def test_term_spans_find_inflected_key_terms():
    spans = science.term_spans("Forces push. A force pulls.", [INERTIA])
    assert [(s, e) for s, e, _ in spans] == [(0, 6), (15, 20)]


# --- craft --------------------------------------------------------------------------------------


def test_three_character_questions():
    text = '"Why does it roll?" asked Caleb. "Where did it go?" said Cassie.\n\n"Is it magic?" Caleb asked. It rolled away.'
    m = crafted(text)
    assert m.character_questions == 3
    assert m.questions == 3
    assert m.character_question_texts[0] == "Why does it roll?"


def test_reader_challenges_and_exclamations():
    m = crafted('Can you push a toy car? Try it with a heavy book too. "Wow!" said Cassie. It went fast!')
    assert m.reader_challenges == ["Can you push a toy car?", "Try it with a heavy book too."]
    assert m.exclamations == 2
    assert m.character_questions == 0


def test_dialogue_share():
    m = crafted('"One two three four," said Mom.')
    assert m.dialogue_share == pytest.approx(4 / 6, abs=0.01)


def test_cliches_and_repeated_phrases():
    text = "Once upon a time a cart rolled down the hill. The cart rolled down the hill again. The cart rolled down the hill."
    m = crafted(text)
    assert {c.phrase for c in m.cliches} == {"once upon a time"}
    assert m.repeated_phrases[0] == PhraseCount("cart rolled down the", 3)


def test_illustration_slots_counted():
    m = crafted("One.\n\n[illustration: a cart]\n\nTwo.\n\n[Illustration: a dog]\n")
    assert m.illustration_slots == 2
    assert m.illustrations == ["a cart", "a dog"]


# --- safety --------------------------------------------------------------------------------------


def test_scary_text_flags_its_words():
    m = safety.measure(parse("A monster came. There was blood on the floor. The ghosts screamed."), safety.patterns())
    assert m.flags["scary"] == ["ghosts", "monster", "screamed"]
    assert m.flags["violent"] == ["blood"]
    assert "unsafe" not in m.flags


def test_gentle_text_flags_nothing():
    assert safety.measure(parse("The cart rolled down the hill. Mom smiled."), safety.patterns()).flags == {}


def test_unsafe_to_copy_phrases():
    m = safety.measure(parse("Caleb rode without a helmet and lit a fire with matches."), safety.patterns())
    assert set(m.flags["unsafe"]) == {"without a helmet", "lit a fire", "matches"}


# --- similarity ------------------------------------------------------------------------------------


def test_similarity_copy_and_different():
    a = similarity.shingles("the cart rolled down the hill and stopped".split())
    b = similarity.shingles("the cart rolled down the hill and stopped".split())
    c = similarity.shingles("gulls flew over the blue sea all day".split())
    assert similarity.containment(a, b) == 1.0
    assert similarity.containment(a, c) == 0.0
    m = similarity.matrix(["x", "y", "z"], [a, b, c])
    assert len(m) == 3 and m[0].jaccard == 1.0


def test_misconception_voiced_by_a_character_is_not_counted_as_repeated():
    m = sci('"Moving things stop by themselves because they get tired," said Caleb. Cassie smiled.')
    assert m.misconceptions_repeated == []
    assert [x.voice for x in m.misconceptions_voiced] == ["character"]


def test_fact_spread_over_three_short_sentences():
    m = sci("A thing at rest stays still. It will not move. Not until a push or a pull comes.")
    fact = m.concepts[0].facts[1]
    assert fact.stated and len(fact.sentences) >= 2
