"""Chat-window chatter around a chapter ("Sure! Here's chapter 2:", "I hope this helps 😊"): found and removed.

Kept apart from the pasted-text reader (compare.versions) so it works on any version's
text, whatever parses the chapter: a draft from a run, a pasted whole book, or one
pasted chapter given with --chapter. Only paragraphs at the very start or end of a
version are looked at, so a character who says "Sure!" inside the story is never cut.
"""

from __future__ import annotations

import re

from chapterbook.text import ChapterVersion

# An opening line of a chat reply: an assent or a "here is", about the text that follows.
_LEAD = re.compile(
    r"^\s*(?:sure|certainly|absolutely|of\s+course|okay|ok|great|alright|all\s+right|happy\s+to|glad\s+to|"
    r"here(?:'s|’s|\s+is|\s+are)|below\s+is|as\s+requested|i(?:'ve|’ve|\s+have)\s+(?:written|drafted|created)|"
    r"i\s+wrote|this\s+is\s+(?:a|the|my)\s+(?:draft|version|chapter|story))\b",
    re.I,
)
# What such a line talks about: the text it introduces.
_ABOUT = re.compile(r"\b(?:your|chapter|story|draft|version|rewrite|rewritten|revised|requested|following)\b|:\s*$", re.I)
# A closing line of a chat reply: an offer, a wish, a note about the text.
_TRAIL = re.compile(
    r"^\s*(?:i\s+hope|hope\s+(?:you|this|that|it)|let\s+me\s+know|would\s+you\s+like|do\s+you\s+want|"
    r"feel\s+free|if\s+you(?:'d|’d|\s+would)?\s+like|want\s+me\s+to|shall\s+i|should\s+i|i\s+can\s+(?:also|help|make|write|adjust)|"
    r"i\s+could\s+(?:also|make|write)|tell\s+me\s+if|happy\s+(?:writing|reading)|enjoy\s+(?:this|the\s+(?:story|chapter)|reading)|note:|\(?word\s+count|"
    r"this\s+(?:chapter|draft|version|story)\s+(?:introduces|teaches|uses|covers|keeps|is\s+written|has|focuses))",
    re.I,
)
_SEPARATOR = re.compile(r"^\s*(?:[-*_=~]\s*){3,}$")
# A paragraph made only of emoji, symbols and punctuation ("😊", "✨📚✨").
_ONLY_SYMBOLS = re.compile(r"^[\W_]+$")
_MAX_WORDS = 60  # chatter is short; a long paragraph is story even if it starts "Sure"


def _paragraphs(text: str) -> list[str]:
    return re.split(r"\n[ \t]*\n", text)


def _is_lead(p: str) -> bool:
    s = p.strip().strip("*_").strip()
    if not s:
        return True
    if _SEPARATOR.match(s) or _ONLY_SYMBOLS.match(s):
        return True
    return len(s.split()) <= _MAX_WORDS and bool(_LEAD.match(s)) and bool(_ABOUT.search(s))


def _is_trail(p: str) -> bool:
    s = p.strip().strip("*_").strip()
    if not s:
        return True
    if _SEPARATOR.match(s) or _ONLY_SYMBOLS.match(s):
        return True
    return len(s.split()) <= _MAX_WORDS and bool(_TRAIL.match(s))


def strip_chatter(text: str) -> tuple[str, list[str]]:
    """The text without chat chatter at its start and end, and the chatter removed (non-blank, in order).

    Separators and emoji-only lines count as chatter only next to chatter or at the edges.
    """
    paras = _paragraphs(text)
    # Chat windows often put the chatter on its own line right against the text
    # ("Sure! Here's chapter 2:\nThe sun was warm..."): such a line is a paragraph of its own.
    first = paras[0].lstrip("\n").split("\n", 1)
    if len(first) == 2 and _is_lead(first[0]):
        paras[0:1] = first
    last = paras[-1].rstrip("\n").rsplit("\n", 1)
    if len(last) == 2 and _is_trail(last[1]):
        paras[-1:] = last
    start, end = 0, len(paras)
    while start < end and _is_lead(paras[start]):
        start += 1
    while end > start and _is_trail(paras[end - 1]):
        end -= 1
    removed = [p.strip() for p in paras[:start] + paras[end:] if p.strip() and not _SEPARATOR.match(p.strip())]
    if not removed or not any(p.strip() for p in paras[start:end]):  # never everything: then it was the text
        return text, []
    return "\n\n".join(paras[start:end]).strip("\n") + "\n", removed


def clean(version: ChapterVersion, notes: list[str]) -> ChapterVersion:
    """The version with its chatter removed (in place), and a note added when there was any."""
    text, removed = strip_chatter(version.text)
    if removed:
        version.text = text
        version.origin = {**version.origin, "chatter_removed": removed}
        notes.append(note(f"chapter {version.chapter + 1}, {version.label}", removed))
    return version


def note(label: str, removed: list[str]) -> str:
    """A plain-words note saying what chatter was removed from a version."""
    shown = "; ".join(f"“{r if len(r) <= 60 else r[:59].rstrip() + '…'}”" for r in removed[:3])
    more = f" and {len(removed) - 3} more" if len(removed) > 3 else ""
    return f"{label}: removed chat chatter before measuring: {shown}{more}"
