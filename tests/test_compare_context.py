"""Issue #18: compare reads like a children's author. Texts written for each case."""

from __future__ import annotations

import json

from chapterbook.cli import main
from chapterbook.compare import compare, events, myths, safety, science
from chapterbook.compare.chatter import strip_chatter
from chapterbook.compare.metrics import METRICS_SCHEMA, Science
from chapterbook.compare.prose import parse
from chapterbook.compare.teaching import facts_taught
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story
from chapterbook.spec.models import Concept
from compare_fixtures import STORY, make_story

VOCAB = science.vocab()
ICE = Concept.model_validate(
    {
        "id": "ice",
        "name": "Freezing and melting",
        "explanation": "Water turns to ice when it gets very cold, and ice melts when it gets warm.",
        "key_terms": [{"term": "freeze", "definition": "turn from water into ice"}, {"term": "melt", "definition": "turn from ice into water"}],
        "facts": ["Water freezes into ice when it gets cold enough.", "Ice melts into water when it gets warm."],
        "misconceptions": ["Ice melts because it gets tired of being cold."],
    }
)


def sci(text: str) -> Science:
    return science.measure(parse(text), [ICE], VOCAB)


def terms(text: str) -> dict[str, int]:
    return {t.term: t.count for t in sci(text).concepts[0].key_terms}


# --- words by lemma -----------------------------------------------------------------------


def test_freezer_is_not_freeze_but_froze_is():
    assert terms("Mom put the juice in the freezer. The freezer hummed. Freezers are cold.") == {"freeze": 0, "melt": 0}
    assert terms("The puddle froze. Will it freeze again? It is freezing!") == {"freeze": 3, "melt": 0}


def test_melted_and_melts_are_melt():
    assert terms("The snowman melted. Ice melts in the sun. Melting is fun.")["melt"] == 3


def test_safety_words_match_by_lemma_not_by_prefix():
    pats = safety.patterns()
    assert "unsafe" in safety.measure(parse("Caleb leaned over the stoves."), pats).flags
    assert safety.measure(parse("The stovepipe was black."), pats).flags == {}


# --- misconceptions and myths in context --------------------------------------------------------


def test_misconception_set_up_and_corrected_is_handled():
    m = sci("People say ice melts because it gets tired of being cold. But that is not true! Warm air melts it.")
    assert m.misconceptions_repeated == [] and m.misconceptions_voiced == []
    [hit] = m.misconceptions_corrected
    assert hit.correction == "But that is not true!"


def test_misconception_stated_by_the_narrator_is_flagged_with_its_sentence():
    m = sci("The ice cube sat on the plate. Ice melts because it gets tired of being cold. Caleb ate a grape.")
    [hit] = m.misconceptions_repeated
    assert hit.sentence == "Ice melts because it gets tired of being cold."
    assert hit.speaker == "narrator" and not hit.corrected


def test_speaker_comes_from_the_dialogue_tags():
    said = sci('"Ice melts because it gets tired of being cold," said Caleb. Cassie laughed.')
    assert [(h.voice, h.speaker) for h in said.misconceptions_voiced] == [("character", "Caleb")]
    before = sci('Caleb said, "Ice melts because it gets tired of being cold." Cassie laughed.')
    assert [h.speaker for h in before.misconceptions_voiced] == ["Caleb"]
    # Narration around a short quoted word is still the narrator speaking.
    narrated = sci('Ice melts because it gets tired of being "cold" in the dark. Then it slept.')
    assert [h.speaker for h in narrated.misconceptions_repeated] == ["narrator"]


def test_a_character_corrected_by_the_next_speaker():
    m = sci('"Ice melts because it gets tired of being cold," said Caleb. "No," said Mom. "The warm air melts it."')
    assert m.misconceptions_voiced == [] and len(m.misconceptions_corrected) == 1


NEWTON_STRAIGHT = "Isaac Newton sat under a tree. An apple fell and hit him on the head. That is how he found gravity."
NEWTON_CORRECTED = "People say an apple fell on Newton's head. That is just a story! Newton saw an apple fall in his garden, and he wondered why it fell down."


def test_scientist_myth_stated_as_fact_is_flagged_and_a_corrected_one_is_handled():
    known = myths.load()
    [straight] = myths.find(parse(NEWTON_STRAIGHT), known)
    assert straight.scientist == "newton" and not straight.corrected
    assert straight.sentence == "An apple fell and hit him on the head."
    [fixed] = myths.find(parse(NEWTON_CORRECTED), known)
    assert fixed.corrected and fixed.correction == "That is just a story!"
    # A reported belief denied by the next sentence is corrected too.
    [denied] = myths.find(parse('"Isaac Newton was clever. People say an apple fell on his head. But Newton never said that," said Mom.'), known)
    assert denied.corrected and denied.speaker == "Mom"
    # The true version (an apple falling, no head) is no myth at all.
    assert myths.find(parse("Newton watched an apple fall from a tree."), known) == []


def test_other_shipped_myths_are_found():
    known = myths.load()
    found = {
        m.scientist
        for t in [
            "Thomas Edison invented the light bulb.",
            "Albert Einstein failed math at school.",
            "Galileo dropped two balls from the Leaning Tower of Pisa.",
        ]
        for m in myths.find(parse(t), known)
    }
    assert found == {"edison", "einstein", "galileo"}


def test_a_story_adds_its_own_myths(tmp_path):
    story = load_story(make_story(tmp_path))
    (story.root / "compare").mkdir()
    (story.root / "compare" / "myths.txt").write_text("[cassie: cassie]\nshe built a rocket | rocket; build | She built a cart.\n", encoding="utf-8")
    known = myths.load(story.root)
    assert any(m.scientist == "newton" for m in known)  # the shipped ones stay
    assert [m.scientist for m in myths.find(parse("Cassie built a rocket."), known)] == ["cassie"]


# --- safety in context ------------------------------------------------------------------------


def test_hazard_inside_a_warning_is_handled_and_an_unsafe_instruction_is_flagged():
    pats = safety.patterns()
    warned = safety.measure(parse("Mom put the pot on the stove. Stay back. Hot stoves are for grown-ups."), pats)
    assert "unsafe" not in warned.flags
    # Mom (a grown-up) doing it, and a warning: both handled.
    assert [h.word for h in warned.handled] == ["stove", "stoves"]
    assert "stove" in [h.word for h in safety.measure(parse("Never touch the stove."), pats).handled]
    unsafe = safety.measure(parse("Climb on the stove and light a fire with matches to melt the ice."), pats)
    assert set(unsafe.flags["unsafe"]) >= {"stove", "matches"}
    assert unsafe.sentences["unsafe"] == ["Climb on the stove and light a fire with matches to melt the ice."]


def test_scary_event_with_no_scary_word():
    text = "The crab's sharp claws snapped at Caleb's toes. He could not get out of the deep hole."
    assert safety.measure(parse(text), safety.patterns()).flags == {}  # no word on the list
    found = {(e.kind, e.sentence) for e in events.find(parse(text), 6)}
    assert ("predator", "The crab's sharp claws snapped at Caleb's toes.") in found
    assert ("attack", "The crab's sharp claws snapped at Caleb's toes.") in found
    assert ("trapped", "He could not get out of the deep hole.") in found


def test_event_levels_follow_the_age_range_and_gentle_text_has_none():
    text = "The old dog died in the night."
    [young] = events.find(parse(text), 6)
    [older] = events.find(parse(text), 10)
    assert young.kind == "death" and young.level == "bad" and "aged 9 and up" in young.reason
    assert older.level == "warn"
    assert events.find(parse("Cassie kicked the ball and it rolled far. Mom smiled at Caleb."), 6) == []
    assert [e.kind for e in events.find(parse('"I will eat you up!" growled the troll.'), 6)] == ["threat"]
    assert [e.kind for e in events.find(parse("Caleb could not find Mom anywhere in the crowd."), 6)] == ["lost"]


# --- facts a chapter is meant to teach -------------------------------------------------------------


THREE_CHAPTERS = """\
spec_version: 1
book: {title: Ice, authors: [A]}
concepts:
  - id: ice
    name: Ice
    explanation: Water turns to ice when it is cold.
    facts:
      - Water freezes into ice when it gets cold enough.
      - Ice melts into water when it gets warm.
      - Salt makes ice melt faster.
chapters:
  - title: Cold Night
    concepts: [ice]
    text: "It was a cold night. The puddle froze into ice, because it got cold enough."
  - title: Warm Day
    concepts: [ice]
    text: "The sun came out. The ice got warm and melted into water."
  - title: Salt
    concepts: [ice]
    teaches: [ice.3]
    text: "Dad put salt on the steps."
"""


def test_facts_judged_per_chapter_by_teaches_and_the_authors_text(tmp_path):
    path = tmp_path / "ice" / "story.yaml"
    path.parent.mkdir()
    path.write_text(THREE_CHAPTERS, encoding="utf-8")
    story = load_story(path)  # a spec_version 1 file: migrated to 2, which added `teaches`
    assert story.spec.spec_version == 2 and story.spec.chapters[2].teaches == ["ice.3"]
    result = compare(story, output_root=tmp_path / "out")
    judged = [[f.ref for f in r.metrics.science.facts] for c in result.chapters for r in c.versions]
    # Chapter 1 tells fact 1 and chapter 2 fact 2 (the author's text decides); chapter 3 says it teaches fact 3.
    assert judged == [["ice.1"], ["ice.2"], ["ice.3"]]
    ch1 = result.chapters[0].versions[0].metrics.science
    assert ch1.facts_stated == ch1.facts_total == 1
    assert ch1.concepts[0].facts_elsewhere == ["Ice melts into water when it gets warm.", "Salt makes ice melt faster."]
    # Without any human text to go by, a shared concept's unclaimed facts are judged everywhere.
    assert facts_taught(story.spec) == [{"ice": [0, 1]}, {"ice": [0, 1]}, {"ice": [2]}]


def test_teaches_with_an_unknown_fact_is_a_validate_error(tmp_path):
    path = tmp_path / "ice" / "story.yaml"
    path.parent.mkdir()
    path.write_text(THREE_CHAPTERS.replace("teaches: [ice.3]", "teaches: [ice.7, snow]"), encoding="utf-8")
    problems = [(p.code, p.message, p.where.line) for p in lint(load_story(path))]
    assert ("unknown-ref", "concept 'ice' has no fact 7", 20) in problems
    assert any(code == "unknown-ref" and "unknown concept id 'snow'" in msg for code, msg, _ in problems)


# --- chatter and one-chapter pastes ---------------------------------------------------------------


CHATTY = """\
Sure! Here's Chapter 2 of your story:

---

The sun was warm. Cassie pushed the cart and it kept moving until the sand stopped it.

"Sure!" said Caleb. "Push it again!"

---

I hope this helps 😊 Let me know if you'd like any changes!
"""


def test_chatter_is_removed_but_story_lines_are_kept():
    text, removed = strip_chatter(CHATTY)
    assert removed == ["Sure! Here's Chapter 2 of your story:", "I hope this helps 😊 Let me know if you'd like any changes!"]
    assert text.startswith("The sun was warm.") and '"Sure!" said Caleb.' in text and "hope" not in text


def test_chatter_around_a_one_chapter_paste_with_chapter_option(tmp_path, capsys):
    story_path = make_story(tmp_path)
    pasted = tmp_path / "pasted.md"
    pasted.write_text(CHATTY, encoding="utf-8")
    code = main(["compare", str(story_path), "--drafts", str(pasted), "--chapter", "2", "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: chapter 2, pasted: removed chat chatter before measuring: “Sure! Here's Chapter 2 of your story:”" in out
    data = json.loads((tmp_path / "out" / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    pasted_v = data["chapters"][1]["versions"][1]
    assert pasted_v["label"] == "pasted"
    assert pasted_v["origin"]["chatter_removed"][1].startswith("I hope this helps")
    assert "hope" not in pasted_v["metrics"]["readability"]["longest_sentence"]
    assert pasted_v["metrics"]["readability"]["sentences"] == 4


def test_headless_paste_is_accepted_for_a_one_chapter_story(tmp_path, capsys):
    one = STORY.split("  - title: Sand Castles")[0]
    story_path = make_story(tmp_path, story=one)
    pasted = tmp_path / "pasted.md"
    pasted.write_text(CHATTY, encoding="utf-8")
    code = main(["compare", str(story_path), "--drafts", str(pasted), "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0 and "pasted:" in out and "removed chat chatter" in out


# --- metrics.json is written from the typed records -------------------------------------------------


def test_metrics_json_has_the_schema_and_the_typed_families(tmp_path):
    result = compare(load_story(make_story(tmp_path)), output_root=tmp_path / "out")
    data = json.loads(result.metrics.read_text(encoding="utf-8"))
    assert data["schema"] == METRICS_SCHEMA
    m = data["chapters"][0]["versions"][0]["metrics"]
    assert set(m) == {"readability", "science", "craft", "safety", "similarity_to_human"}
    typed = result.chapters[0].versions[0].metrics
    assert m["readability"]["spache_grade"] == typed.readability.spache_grade
    assert m["science"]["concepts"][0]["facts"][0]["ref"] == "inertia.1"
    assert m["safety"]["events"] == [] and m["science"]["myths"] == []


def test_a_grown_ups_line_counts_as_their_instruction_and_the_speaker_goes_on_across_quotes():
    from chapterbook.compare import context

    text = '"Is that smoke?" asked Ben. "No," said Dad. "It is steam. Boiling water turns into steam."'
    prose = parse(text)
    assert [context.speaker(prose, i) for i in range(len(prose.sentences))][-1] == "Dad"
    assert "unsafe" not in safety.measure(prose, safety.patterns()).flags
    # The same line said by a child is a child telling it: flagged.
    kid = parse('"Is that smoke?" asked Dad. "No," said Ben. "It is steam. Boiling water turns into steam."')
    assert safety.measure(kid, safety.patterns()).flags["unsafe"] == ["boiling"]
    # A character whose role makes them a grown-up counts as one.
    adults = context.grown_ups([("Aunt Jo", "aunt"), ("Ben", "little brother")])
    jo = parse('"Boiling water is hot," said Jo.')
    assert "unsafe" not in safety.measure(jo, safety.patterns(), adults=adults).flags


def test_key_terms_of_facts_taught_elsewhere_are_not_expected(tmp_path):
    path = tmp_path / "ice" / "story.yaml"
    path.parent.mkdir()
    path.write_text(
        THREE_CHAPTERS.replace(
            "    name: Ice\n", "    name: Ice\n    key_terms: [{term: freeze, definition: x}, {term: melt, definition: y}, {term: ice, definition: z}]\n"
        ),
        encoding="utf-8",
    )
    result = compare(load_story(path), output_root=tmp_path / "out")
    first = result.chapters[0].versions[0].metrics.science.concepts[0]
    # "melt" is only in fact 2 (chapter 2's); "ice" is in every fact, so every chapter may use it.
    assert [t.term for t in first.key_terms] == ["freeze", "ice"] and first.terms_elsewhere == ["melt"]


def test_a_story_list_adds_to_the_shipped_one_and_can_drop_one_entry(tmp_path):
    story = load_story(make_story(tmp_path))
    (story.root / "compare").mkdir()
    (story.root / "compare" / "safety.txt").write_text("[unsafe]\n!stove\nicicle\n", encoding="utf-8")
    pats = safety.patterns(story.root)
    m = safety.measure(parse("Caleb licked an icicle next to the stove with matches."), pats)
    assert set(m.flags["unsafe"]) == {"icicle", "matches"}  # added, kept, and the dropped one gone


def test_chatter_in_a_draft_run_is_removed_and_reported(tmp_path):
    from compare_fixtures import GOOD_DRAFT, make_run

    story = load_story(make_story(tmp_path))
    chatty = (
        GOOD_DRAFT.replace("# The Beach Cart\n\n", "# The Beach Cart\n\nCertainly! Here is the chapter:\n\n") + "\nWould you like me to write chapter 2 next?\n"
    )
    make_run(tmp_path / "out", drafts={"m": chatty}, failed=False)
    result = compare(story, output_root=tmp_path / "out")
    assert any("chapter 1, m #1: removed chat chatter" in n and "Would you like me" in n for n in result.collected.notes)
    draft = result.chapters[0].versions[1]
    assert "Certainly" not in draft.version.text and "Would you like" not in draft.version.text
    assert draft.metrics.readability.words == 49  # GOOD_DRAFT's own words, nothing of the chatter


def test_physics_collisions_are_not_attacks():
    for text in ["The ball hit Caleb's hand.", "Cassie kicked the ball to Caleb.", "The magnet grabbed the nail."]:
        assert events.find(parse(text), 6) == [], text
    assert [e.kind for e in events.find(parse("The dog bit his hand."), 6)] == ["attack"]


def test_a_story_that_opens_with_here_is_keeps_its_opening():
    text = "Here is Cassie's cart. It is red.\n\nShe pushed it.\n"
    assert strip_chatter(text) == (text, [])
    assert strip_chatter("Certainly! Here is the chapter:\n\nShe pushed it.\n") == ("She pushed it.\n", ["Certainly! Here is the chapter:"])
    # A reply that is nothing but one short paragraph is kept: removing it would leave nothing to measure.
    assert strip_chatter("Sure! Here's your story: Cassie pushed the cart.\n") == ("Sure! Here's your story: Cassie pushed the cart.\n", [])
    # Chatter on its own line right against the text.
    got = strip_chatter("Sure! Here's chapter 2:\nThe sun was warm.\nCassie pushed the cart.\nHope you like it!\n")
    assert got == ("The sun was warm.\nCassie pushed the cart.\n", ["Sure! Here's chapter 2:", "Hope you like it!"])


def test_a_wrong_idea_worded_with_a_negation_is_not_corrected_by_its_own_not():
    still = Concept.model_validate(
        {
            "id": "rest",
            "name": "Rest",
            "explanation": "Forces act on still things too.",
            "facts": ["Gravity pulls on a ball sitting still."],
            "misconceptions": ["Things that are not moving have no forces on them."],
        }
    )
    m = science.measure(parse("The ball sat there. Things that are not moving have no forces on them."), [still], VOCAB)
    assert [h.sentence for h in m.misconceptions_repeated] == ["Things that are not moving have no forces on them."]
    fixed = science.measure(parse("Things that are not moving have no forces on them? That is wrong."), [still], VOCAB)
    assert fixed.misconceptions_repeated == [] and len(fixed.misconceptions_corrected) == 1
