"""Sentences read in context: who says it, whether it is corrected, whether it is a warning.

Rules on the sentence and its neighbours, not on single words, so that:
- a wrong idea the text sets up in order to knock down ("People say X. But that is
  not true...") counts as handled, while the same idea stated plainly is flagged;
- a hazard named inside a warning or a grown-up's instruction ("Stay back. Hot pots
  are for grown-ups.") counts as handled safely;
- a line is given to the narrator or to the character the dialogue names.
Limits (see docs/metrics.md): these are patterns of English, not understanding; irony,
a correction many sentences later, or a correction shown only by an experiment are missed.
"""

from __future__ import annotations

import re

from chapterbook.compare.prose import Prose

# Said right after a wrong idea (in the same sentence or up to three after it): it is being refuted.
_CORRECTION = re.compile(
    r"\b(?:(?:is|was|are|were|'s|’s)\s*n[o']t\s+(?:true|right|so|how)|(?:is|was|are|were)\s+not\s+(?:true|right|so|how)|"
    r"(?:isn't|wasn't|aren't|isn’t|wasn’t|aren’t)\s+(?:true|right|so|how)|not\s+(?:true|quite|really)|"
    r"(?:that's|that’s|that\s+is|this\s+is|it's|it’s|it\s+is)\s+(?:wrong|a\s+myth|a\s+story|only\s+a\s+story|just\s+a\s+story|a\s+legend|silly)|"
    r"myth|legend|made[\s-]up|never\s+happened|didn't\s+(?:really|happen)|did\s+not\s+(?:really|happen)|"
    r"actually|in\s+fact|turns?\s+out|the\s+truth|really\s+(?:did|was|is|happened)|but\s+really|"
    r"scientists\s+(?:now\s+)?know|we\s+now\s+know|nobody\s+(?:really|knows)|no\s+one\s+(?:really|knows)|"
    r"never\s+(?:said|wrote|did)\s+(?:that|so|it)|not\s+what\s+happened|"
    r"wrong|mistaken|a\s+mistake)\b",
    re.I,
)
# A reply that starts by saying no to what a character just said.
_SAYS_NO = re.compile(r"^[\"“‘'*_\s]*(?:no|nope|not\s+quite|not\s+really|wrong|actually)\b", re.I)
# Framing that reports a belief rather than asserting it: "People say...", "Some think...".
_FRAMING = re.compile(
    r"\b(?:people|some|many|others|everyone|they|folks|kids|grown-ups)\s+(?:used\s+to\s+)?(?:say|said|think|thought|believe|believed|tell)\b|"
    r"\byou\s+(?:may|might)\s+have\s+heard\b|\b(?:a|the|an\s+old)\s+story\s+(?:says|goes)\b|\blegend\s+says\b|\bit\s+is\s+said\b",
    re.I,
)
# The sentence denies the claim itself: "Moving things do NOT stop by themselves."
_NEGATION = re.compile(r"\b(?:not|never|no|n't|isn't|aren't|doesn't|don't|didn't|won't|can't|cannot)\b|n['’]t\b", re.I)

# A warning or a grown-up's instruction: the hazard in it is being kept away from the child.
_WARNING = re.compile(
    r"^[\"“‘'*_\s]*(?:never|don't|don’t|do\s+not|stay\s+(?:back|away)|keep\s+(?:back|away|clear)|stand\s+back|step\s+back|"
    r"careful|be\s+careful|watch\s+out|look\s+out|stop|wait|only\s+(?:a\s+)?grown-?ups?|only\s+an?\s+adult|ask\s+(?:a|an|your)\b)|"
    r"\b(?:grown-?ups?|adults?|a\s+parent|mom|dad|teacher)\s+(?:must|should|will|can|only|has\s+to|have\s+to|needs?\s+to|does|do|helps?|held|holds|lit|lights?)\b|"
    r"\b(?:for|with|by|ask|asked|help\s+from|helped\s+by|watched\s+by)\s+(?:a\s+|an\s+|your\s+)?(?:grown-?ups?|adults?)\b|"
    r"\bis\s+(?:not\s+safe|dangerous|too\s+hot)\b|\bnot\s+(?:safe|a\s+toy)\b|\bnever\s+(?:touch|play|go|climb|eat|drink)\b|"
    r"\b(?:too\s+hot\s+to\s+touch|can\s+burn\s+you|could\s+burn\s+you|can\s+hurt\s+you|could\s+hurt\s+you)\b|"
    # A grown-up is the one doing it: "Mom put the pot on the stove."
    r"^[\"“‘'*_\s]*(?:mom|mum|dad|grandma|grandpa|granny|nana|the\s+grown-?ups?|an?\s+(?:grown-?up|adult)|the\s+teacher|"
    r"(?:mr|mrs|ms|dr)\.?\s+[A-Z]\w*)\b(?!\s+(?:said|says|asked|let|told|watched))",
    re.I,
)
_SHORT_WARNING_WORDS = 6  # "Stay back." just before the hazard's sentence covers it too

_SPEECH_VERB = (
    r"(?:said|asked|cried|called|shouted|yelled|whispered|replied|answered|laughed|giggled|added|says|asks|"
    r"exclaimed|gasped|squealed|groaned|explained|told|insisted|wondered|sighed|muttered|grinned|smiled)"
)
_NAME = r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)"
# "..." said Caleb / "..." Caleb said / Caleb said, "..." / Mom laughed. "..."
_TAG_AFTER = re.compile(rf"^\s*,?\s*(?:{_SPEECH_VERB}\s+{_NAME}|{_NAME}\s+{_SPEECH_VERB})\b")
_TAG_BEFORE = re.compile(rf"{_NAME}\s+{_SPEECH_VERB}\b[^\"“]*$")
_TAG_LEAD = re.compile(rf"{_NAME}\s+{_SPEECH_VERB}\s*[,:]\s*$")
_QUOTE = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
_NOT_NAMES = {"The", "A", "An", "It", "He", "She", "They", "We", "I", "You", "Then", "But", "And", "So", "Now", "When"}


def _speaker_in(outside: str, before: str) -> str | None:
    m = _TAG_LEAD.search(before)  # 'Caleb said, "..."': the tag that introduces the quote wins
    if m and m.group(1).split()[0] not in _NOT_NAMES:
        return m.group(1)
    m = _TAG_AFTER.match(outside)
    if m:
        name = m.group(1) or m.group(2)
        if name and name.split()[0] not in _NOT_NAMES:
            return name
    m = _TAG_BEFORE.search(before)
    if m and m.group(1).split()[0] not in _NOT_NAMES:
        return m.group(1)
    return None


def speaker(prose: Prose, i: int, words_said: set[str] | None = None) -> str:
    """Who says sentence i: "narrator", a character's name, or "a character" when the tag is elsewhere.

    A sentence is speech when the words in question lie inside quotation marks (all the
    quoted words when `words_said` is None). The name comes from a speech tag next to the
    quote (`"...," said Caleb`, `Caleb asked, "..."`), in this sentence or its paragraph.
    """
    s = prose.sentences[i]
    if not s.in_quotes:
        return "narrator"
    if words_said is not None:
        inside = {w.lower() for q in s.in_quotes for w in re.findall(r"[\w'’]+", q)}
        outside = {w.lower() for w in re.findall(r"[\w'’]+", _QUOTE.sub(" ", s.text))}
        if len(words_said & inside) < len(words_said & outside):
            return "narrator"
    para = prose.paragraphs[s.paragraph]
    sent_end = s.start + len(s.text)
    quotes = [m.span() for m in _QUOTE.finditer(para)]
    # A tag inside this sentence, next to one of its quotes: "...," said Caleb / Caleb said, "..."
    for a, b in quotes:
        if b <= s.start or a >= sent_end:
            continue
        name = _speaker_in(para[b:sent_end], para[s.start : a] if a >= s.start else "")
        if name:
            return name
    # The quote this sentence is in: the tag after it, or the one just before it
    # ('"No," said Dad. "It is steam."': Dad goes on speaking).
    for k, (a, b) in enumerate(quotes):
        if a <= s.start < b:
            name = _speaker_in(para[b:], para[quotes[k - 1][1] if k else 0 : a])
            if name:
                return name
            if k:
                name = _speaker_in(para[quotes[k - 1][1] : a], "")
                if name:
                    return name
    # A tag elsewhere in the paragraph: a paragraph of dialogue usually belongs to one speaker.
    for a, b in quotes:
        name = _speaker_in(para[b:], para[:a])
        if name:
            return name
    return "a character"


def correction(prose: Prose, i: int, *, window: int = 3, claim: str = "") -> str:
    """The sentence that corrects the claim in sentence i, or "" when none does.

    Corrected: the sentence denies the claim itself or calls it a myth; or, within the
    next `window` sentences, one says it is not true / wrong / a myth / "actually..."; or,
    when a character said it, the next speaker starts with "No". `claim` is the wrong idea's
    own wording, so that a negation it contains is not taken for a denial.
    """
    sents = prose.sentences
    here = sents[i].text
    # The sentence denies the claim: it has more negations than the wrong idea itself
    # ("Things that are not moving have no forces" is stated, not denied, by a sentence saying just that).
    denied = len(_NEGATION.findall(here)) > len(_NEGATION.findall(claim))
    if _CORRECTION.search(here) or (denied and not _FRAMING.search(here)):
        return here
    reported = framed(prose, i)
    for j in range(i + 1, min(len(sents), i + 1 + window)):
        nxt = sents[j].text
        if _CORRECTION.search(nxt):
            return nxt
        # "People say X. But Newton never said that.": after a reported belief, a denial is the correction.
        if reported and j == i + 1 and _NEGATION.search(nxt):
            return nxt
        if j == i + 1 and sents[i].in_quotes and _SAYS_NO.match(nxt):
            return nxt
    return ""


def framed(prose: Prose, i: int) -> bool:
    """True when sentence i (or the one before) reports a belief ("People say...") rather than asserting it."""
    return bool(_FRAMING.search(prose.sentences[i].text)) or (
        i > 0 and bool(_FRAMING.search(prose.sentences[i - 1].text)) and prose.sentences[i - 1].text.rstrip().endswith(":")
    )


GROWN_UPS = frozenset("mom mum mommy mummy mother dad daddy father grandma grandpa granny nana teacher".split())
# A character's role that makes them a grown-up (from story.yaml's characters[].role).
_ADULT_ROLE = re.compile(r"\b(?:mother|father|mom|mum|dad|parent|grand\w*|teacher|adult|grown-?up|aunt|uncle|scientist|doctor)\b", re.I)


def grown_ups(characters: list[tuple[str, str]]) -> frozenset[str]:
    """Lower-case names that speak as grown-ups: family words, and characters (name, role) whose role says so."""
    named = {part.lower() for name, role in characters if _ADULT_ROLE.search(role) for part in name.split()}
    return GROWN_UPS | named


def is_warning(prose: Prose, i: int, adults: frozenset[str] = GROWN_UPS) -> bool:
    """True when sentence i is a warning or a grown-up's instruction, or follows a short one ("Stay back.").

    A line a grown-up says (`adults`: lower-case names, see grown_ups) counts as their instruction.
    """
    if _WARNING.search(prose.sentences[i].text):
        return True
    if prose.sentences[i].in_quotes and speaker(prose, i).lower() in adults:
        return True
    if i > 0:
        prev = prose.sentences[i - 1]
        return len(prev.words) <= _SHORT_WARNING_WORDS and bool(_WARNING.search(prev.text))
    return False
