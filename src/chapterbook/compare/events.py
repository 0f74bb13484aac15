"""Age-fit of what happens, not only of words: threats, attacks, injuries, being trapped or
turned into something, predators and their teeth, death, being lost from a parent.

Each rule looks at one sentence's lemmas ("bit", "bites", "bitten" -> bite) and at who
or what the action falls on, so "The crab's claws snapped at Caleb's toes" is found
though no word of it is on the safety list. The level comes from the youngest
reader's age and the age from which books usually include such an event (USUAL_FROM,
chosen from the sources named in docs/metrics.md). Limits: one sentence at a time;
"the ice cube was trapped in the glass" is trapped too; a gentle, resolved scene is
flagged like a grim one. The flags ask the author to look.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from chapterbook.compare.metrics import AgeEvent, Level
from chapterbook.compare.prose import Prose
from chapterbook.compare.words import lemma

# Someone a young reader identifies with: a named character (a capitalised word inside the
# sentence), a pronoun, a family word, or a body part.
_PEOPLE = frozenset(
    "he she him her they them i me we us you his their my our your boy girl child kid baby brother sister "
    "mom mum mother dad father grandma grandpa granny friend puppy kitten".split()
)
_BODY = frozenset("toe foot leg arm hand finger face nose ear head tail neck knee".split())
_PARENTS = frozenset("mom mum mommy mummy mother dad daddy father parent grandma grandpa granny nana family".split())

# Not "hit" or "strike": in a physics book balls hit things all the time. "bit": the lexicon reads it as the noun.
_ATTACK = frozenset("attack bite bit pounce grab snatch chase scratch sting punch kick stab shoot slap pinch claw snap".split())
_INJURY = frozenset("hurt bleed bruise wound injure sprain scrape ache burn".split())
_INJURY_PHRASE = re.compile(r"\b(?:broke|broken|cut)\s+(?:his|her|their|my|your)\s+\w+|\bin\s+pain\b|\bblood\b|\bouch\b", re.I)
_TRAPPED = re.compile(
    r"\b(?:trapped|caged|locked\s+(?:in|inside|up|away)|stuck\s+(?:in|inside|under|down)|could\s*n[o']t\s+get\s+out|"
    r"couldn't\s+get\s+out|can't\s+get\s+out|no\s+way\s+out|buried\s+(?:alive|under))\b",
    re.I,
)
_TRANSFORMED = re.compile(r"\b(?:turned|changed|transformed|shrank|shrunk)\s+(?:him|her|them|me|us|you|\w+)?\s*into\b|\bunder\s+a\s+spell\b|\bcursed\b", re.I)
_TEETH = frozenset("tooth fang claw jaw talon".split())
_SHARP = frozenset("sharp pointy pointed huge big long snap snapping gnash bare bared drip dripping hungry jagged".split())
_PREDATOR = frozenset("shark wolf lion tiger crocodile alligator bear snake python leopard jaguar hyena".split())
_HUNTING = frozenset("hunt prowl growl snarl lunge stalk creep hungry eat gobble swallow".split())
_DEATH = frozenset("die dead death kill drown funeral".split())
_DEATH_PHRASE = re.compile(r"\bpassed\s+away\b|\bnever\s+came\s+back\b|\bnever\s+woke\s+up\b|\blifeless\b", re.I)
_LOST = re.compile(
    r"\b(?:lost|separated|alone|could\s*n[o']t\s+find|couldn't\s+find|can't\s+find|cannot\s+find|where\s+(?:is|was|are))\b",
    re.I,
)
_THREAT = re.compile(
    r"\b(?:i(?:'ll|’ll|\s+will)|we(?:'ll|’ll|\s+will)|(?:i'm|i’m|we're|we’re)\s+going\s+to|gonna)\s+"
    r"(?:eat|get|hurt|catch|squash|gobble|lock|take|bite|smash|crush|punish|grab)\b|\bor\s+else\b|\byou(?:'ll|’ll|\s+will)\s+be\s+sorry\b",
    re.I,
)


@dataclass(frozen=True)
class Rule:
    kind: str
    usual_from: int  # age from which children's books commonly include it, mildly
    reason: str
    test: Callable[[list[str], set[str], str, bool], bool]  # (lemmas, lemma set, text, names someone)
    needs: frozenset[str]  # the test can only pass when the sentence has one of these words or lemmas


def _someone(lemmas: set[str], names_someone: bool) -> bool:
    return names_someone or bool(lemmas & _PEOPLE) or bool(lemmas & _BODY)


def _done_to_someone(lemmas: list[str], verbs: frozenset[str]) -> bool:
    """A verb of `verbs` whose object is a person or their body: "bit Caleb", "snapped at Caleb's toes",
    "pinched his finger"; not "kicked the ball to Caleb" (the ball is the object)."""
    for k, w in enumerate(lemmas):
        if w not in verbs:
            continue
        rest = lemmas[k + 1 : k + 3]
        if rest and rest[0] in ("at", "on", "into"):
            rest = lemmas[k + 2 : k + 4]
        if rest and (rest[0] in _PEOPLE or rest[0].startswith("\x00")):
            return True
    return False


RULES = (
    Rule(
        "threat",
        7,
        "a character is threatened",
        lambda ls, s, t, n: bool(_THREAT.search(t)),
        frozenset("i'll we'll will going gonna else sorry".split()),
    ),
    Rule("attack", 8, "a character is attacked", lambda ls, s, t, n: _done_to_someone(ls, _ATTACK), _ATTACK),
    Rule(
        "injury",
        7,
        "a character is hurt",
        lambda ls, s, t, n: (bool(s & _INJURY) and _someone(s, n)) or bool(_INJURY_PHRASE.search(t)),
        _INJURY | frozenset("broke broken cut pain blood ouch".split()),
    ),
    Rule(
        "trapped",
        7,
        "a character is trapped",
        lambda ls, s, t, n: bool(_TRAPPED.search(t)) and _someone(s, n),
        frozenset("trapped trap caged cage locked lock stuck not couldn't can't way buried".split()),
    ),
    Rule(
        "transformed",
        7,
        "a character is turned into something",
        lambda ls, s, t, n: bool(_TRANSFORMED.search(t)),
        frozenset("turned turn changed change transformed transform shrank shrunk shrink spell cursed".split()),
    ),
    Rule(
        "predator",
        7,
        "a predator, or teeth and claws, shown as a danger",
        lambda ls, s, t, n: (bool(s & _TEETH) and bool(s & _SHARP)) or (bool(s & _PREDATOR) and bool(s & _HUNTING)),
        _TEETH | _PREDATOR,
    ),
    Rule(
        "death",
        9,
        "a death",
        lambda ls, s, t, n: bool(s & _DEATH) or bool(_DEATH_PHRASE.search(t)),
        _DEATH | frozenset("passed never lifeless".split()),
    ),
    Rule("lost", 7, "a child is lost from a parent", lambda ls, s, t, n: bool(_LOST.search(t)) and bool(s & _PARENTS), _PARENTS),
)
_ANY_NEEDED = frozenset().union(*(r.needs for r in RULES))
USUAL_FROM = {r.kind: r.usual_from for r in RULES}


def level_for(kind: str, min_age: int) -> Level:
    """bad when the youngest reader is more than a year under the usual age, warn otherwise."""
    return "bad" if min_age < USUAL_FROM[kind] - 1 else "warn"


def find(prose: Prose, min_age: int = 6) -> list[AgeEvent]:
    """Every event in the version that may not fit the age, with its sentence and a plain reason."""
    out: list[AgeEvent] = []
    for s in prose.sentences:
        if _ANY_NEEDED.isdisjoint(s.lower) and _ANY_NEEDED.isdisjoint(map(lemma, s.lower)):
            continue  # most sentences: nothing any rule looks for
        # Names (capitalised words after the first) are marked with a NUL so rules can tell them apart.
        lemmas = [("\x00" + low) if k and w[:1].isupper() and low != "i" else lemma(low) for k, (w, low) in enumerate(zip(s.words, s.lower))]
        lset = set(lemmas) | set(s.lower)  # "Mom" is a name and a parent
        # A capitalised word after the first: a character's name (the sentence's subject is the first word).
        names_someone = any(w.startswith("\x00") for w in lemmas) or (bool(s.words) and s.lower[0] not in _COMMON_STARTS and s.words[0][:1].isupper())
        for rule in RULES:
            if not rule.needs.isdisjoint(lset) and rule.test(lemmas, lset, s.text, names_someone):
                lvl = level_for(rule.kind, min_age)
                usual = (
                    f"books usually keep this for readers aged {rule.usual_from} and up"
                    if min_age < rule.usual_from
                    else "fine for the age if gentle and resolved"
                )
                out.append(AgeEvent(rule.kind, s.text, f"{rule.reason}; {usual}", lvl))
    return out


# First words of a sentence that are not names (so "The crab bit the net" names no one).
_COMMON_STARTS = frozenset(
    "the a an it this that these those there then now when after before suddenly but and so one some all its what why how who where yes no oh wow look".split()
)
