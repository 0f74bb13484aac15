"""The fast paths of the metrics give exactly what their plain definitions give.

Each reference below is the straightforward way to compute a metric (the code
before it was made faster); hypothesis feeds both the same awkward texts: curly
quotes, capitals, names, Markdown emphasis, multi-word key terms, and letters
whose case folding differs from str.lower (ſ, İ, the Kelvin sign).
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from chapterbook.compare import craft, readability, science, similarity
from chapterbook.compare.metrics import ExplanationMarker, PairSimilarity, PhraseCount
from chapterbook.compare.prose import parse
from chapterbook.compare.words import lemma, norm, term_lemma
from chapterbook.spec.models import Concept, StorySpec
from chapterbook.text import words as split_words

SPEC = StorySpec.model_validate(
    {
        "spec_version": 1,
        "book": {"title": "T", "authors": ["A"]},
        "characters": [{"id": "cassie", "name": "Cassie Quill"}],
        "concepts": [
            {
                "id": "motion",
                "name": "Motion",
                "explanation": "A push or a pull changes how things move.",
                "key_terms": [{"term": "air resistance", "definition": "air pushing back"}, {"term": "force", "definition": "a push"}],
            }
        ],
        "chapters": [{"title": "One"}],
    }
)
CONCEPTS = [
    Concept.model_validate(
        {
            "id": "laws",
            "name": "Laws",
            "explanation": "Every push has a push back.",
            "key_terms": [
                {"term": "action", "definition": "a push"},
                {"term": "action and reaction", "definition": "push and push back"},
                {"term": "force", "definition": "A push or a pull."},
                {"term": "law of motion", "definition": "a rule"},
                {"term": "air resistance", "definition": "air pushing back"},
            ],
            "facts": ["A moving cart keeps moving until a force stops it.", "Air pushes back on moving things."],
            "misconceptions": ["Moving things stop by themselves because they get tired."],
        }
    ),
    Concept.model_validate(
        {
            "id": "again",
            "name": "Again",
            "explanation": "The same term in a second concept.",
            "key_terms": [{"term": "forces", "definition": "pushes"}, {"term": "inertia", "definition": "keep on"}],
        }
    ),
]
WL = readability.word_lists(SPEC)
VOCAB = science.vocab()

TOKENS = [
    "Force",
    "forces",
    "force's",
    "inertia",
    "action",
    "Action",
    "and",
    "reaction",
    "reactions",
    "air",
    "resistance",
    "law",
    "of",
    "motion",
    "laws",
    "because",
    "BECAUSE",
    "so",
    "So,",
    "so that",
    "that's",
    "that’s",
    "That is",
    "why",
    "this",
    "means",
    "made",
    "makes",
    "it",
    "them",
    "If",
    "if",
    "then",
    "the",
    "reason",
    "Cassie",
    "Quill",
    "Caleb",
    "I",
    "you",
    "Can you",
    "try",
    "Once",
    "upon",
    "a",
    "time",
    "suddenly,",
    "out",
    "nowhere",
    "eyes",
    "sparkled",
    "with",
    "curiosity",
    "heart",
    "raced",
    "ſo",
    "becauſe",
    "İf",
    "İF",
    "\u212a",
    "running",
    "quickly",
    "babies",
    "pushed",
    "Pushed",
    "dog's",
    "heaviest",
    "bigger",
    "moving",
    "stop",
    "stopped",
    "tired",
    "cart",
    "keeps",
    "*bold*",
    "_tilt_",
    "**Whoa**",
    '"Why?"',
    "“Look!”",
    "said",
    "asked",
    "Mom.",
    "?",
    "!",
    ".",
    ",",
    "\n\n",
    "3",
]
texts = st.lists(st.sampled_from(TOKENS), max_size=70).map(" ".join)


# --- references: the plain definitions -------------------------------------------------------


def term_spans_reference(paragraph, concepts):
    term_words = frozenset(lemma(w) for c in concepts for kt in c.key_terms for w in split_words(kt.term))
    toks = [(m.start(), m.end(), term_lemma(m.group(0), term_words)) for m in re.finditer(r"[A-Za-zÀ-ÿ0-9]+(?:['’][A-Za-z]+)*", paragraph)]
    stems = [t[2] for t in toks]
    spans = []
    for concept in concepts:
        for kt in concept.key_terms:
            pat = [lemma(w) for w in split_words(kt.term)]
            n = len(pat)
            if not n:
                continue
            for i in range(len(stems) - n + 1):
                if stems[i : i + n] == pat:
                    spans.append((toks[i][0], toks[i + n - 1][1], kt.term))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out = []
    for s in spans:
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out


def unfamiliar_reference(prose, wordset, wl, *, adjective_endings, skip=frozenset()):
    out = Counter()
    for s in prose.sentences:
        for i, (word, low) in enumerate(zip(s.words, s.lower)):
            if readability._is_name(word, i == 0, wl):
                continue
            listed_skip = skip and readability._listed(low, skip, adjective_endings=adjective_endings)
            if not listed_skip and not readability._listed(low, wordset, adjective_endings=adjective_endings):
                out[low] += 1
    return out


def content_stems_reference(text_words, v):
    out = set()
    for w in text_words:
        n = norm(w)
        if n in v.stopwords or len(n) < 2:
            continue
        s = lemma(n)
        out.add(v.synonyms.get(s, s))
    return out


def science_sentences_reference(prose, concepts, v):
    term_words = frozenset(lemma(w) for c in concepts for kt in c.key_terms for w in split_words(kt.term))
    joined = [" " + " ".join(term_lemma(w, term_words) for w in s.lower) + " " for s in prose.sentences]
    content = [content_stems_reference(s.lower, v) for s in prose.sentences]
    found = set()
    for concept in concepts:
        for kt in concept.key_terms:
            pat = [lemma(w) for w in split_words(kt.term)]
            if pat:
                needle = " " + " ".join(pat) + " "
                found.update(i for i, j in enumerate(joined) if j.count(needle))
        sources = [*concept.facts, concept.explanation, *(kt.definition for kt in concept.key_terms)]
        source_stems = [content_stems_reference(split_words(s), v) for s in sources]
        found.update(i for i, c in enumerate(content) if any(len(c & ss) >= science.SCIENCE_MIN_OVERLAP for ss in source_stems))
    return sorted(found)


def cliches_and_repeats_reference(prose, cliches, stopwords):
    flat = " ".join(norm(p) for p in prose.paragraphs)
    present = set(prose.lower)
    found = []
    for phrase, pattern in cliches:
        if norm(phrase).split()[0].strip(",.!?") not in present:
            continue
        n = len(pattern.findall(flat))
        if n:
            found.append(PhraseCount(phrase, n))
    grams = Counter()
    for s in prose.sentences:
        ws = s.lower
        for i in range(len(ws) - craft.REPEAT_N + 1):
            grams[tuple(ws[i : i + craft.REPEAT_N])] += 1
    repeated = [(g, c) for g, c in grams.most_common() if c >= 2 and any(w not in stopwords for w in g)]
    return found, craft._merge_overlaps([PhraseCount(" ".join(g), c) for g, c in repeated])


# --- the fast paths against them ---------------------------------------------------------------


@settings(max_examples=300)
@given(texts)
def test_term_spans_match_trying_every_term_at_every_word(paragraph):
    index = science.term_index(CONCEPTS)
    expected = term_spans_reference(paragraph, CONCEPTS)
    assert science.term_spans(paragraph, CONCEPTS) == expected
    assert science.term_spans(paragraph, CONCEPTS, index) == expected


def test_term_spans_prefer_the_longest_term_and_the_first_concept():
    text = "Action and reaction! The forces of action, and air resistance."
    spans = science.term_spans(text, CONCEPTS)
    assert spans == term_spans_reference(text, CONCEPTS)
    assert [t for _, _, t in spans] == ["action and reaction", "force", "action", "air resistance"]


@settings(max_examples=300)
@given(texts)
def test_one_pass_spache_and_hard_words_match_two_passes(text):
    prose = parse(text)
    spache, hard = readability._spache_and_hard(prose, WL)
    assert spache == unfamiliar_reference(prose, WL.spache, WL, adjective_endings=False)
    assert hard == unfamiliar_reference(prose, WL.easy, WL, adjective_endings=True, skip=WL.taught)


@settings(max_examples=300)
@given(texts)
def test_science_sentences_and_markers_match_their_definitions(text):
    prose = parse(text)
    m = science.measure(prose, CONCEPTS, VOCAB)
    assert m.science_sentences == science_sentences_reference(prose, CONCEPTS, VOCAB)
    expected_markers = []
    for name, pattern, _ in science._EXPLANATION_MARKERS:
        found = [s.text for s in prose.sentences if pattern.search(s.text)]
        if found:
            expected_markers.append(ExplanationMarker(name, len(found), found[:5]))
    assert m.explanation_markers == expected_markers
    for s in prose.sentences:
        assert science.content_stems(s.words, VOCAB) == content_stems_reference(s.words, VOCAB)


def test_markers_in_text_whose_case_folding_is_unusual_are_still_found():
    # ſ matches s and İ matches i under re.I, but str.lower() keeps them: such sentences skip the quick test.
    m = science.measure(parse("It rolled becauſe the hill was steep. İf you push, then it goes."), CONCEPTS, VOCAB)
    assert [x.marker for x in m.explanation_markers] == ["because", "if ... then"]


@settings(max_examples=300)
@given(texts)
def test_cliches_and_repeated_phrases_match_their_definitions(text):
    prose = parse(text)
    cliches = craft.cliche_patterns()
    m = craft.measure(prose, cliches, VOCAB.stopwords)
    found, repeats = cliches_and_repeats_reference(prose, cliches, VOCAB.stopwords)
    assert m.cliches == found
    assert m.repeated_phrases == repeats


def test_cliche_with_punctuation_inside_is_found():
    m = craft.measure(parse("Suddenly, out of nowhere a crab came. Suddenly,  out of nowhere!"), craft.cliche_patterns(), VOCAB.stopwords)
    assert PhraseCount("suddenly, out of nowhere", 2) in m.cliches


@given(st.lists(st.frozensets(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), max_size=9), min_size=1, max_size=5))
def test_similarity_matrix_matches_jaccard_and_containment(sets):
    labels = [f"v{i}" for i in range(len(sets))]
    expected = [
        PairSimilarity(labels[i], labels[j], similarity.jaccard(a, b), similarity.containment(a, b), similarity.containment(b, a))
        for i, a in enumerate(sets)
        for j, b in enumerate(sets)
        if i < j
    ]
    assert similarity.matrix(labels, sets) == expected
