"""Typographer's punctuation: curly quotes and apostrophes, dashes and ellipses.

Applied to the text of a block once (see :func:`chapterbook.text.inline.typeset_spans`),
never to Markdown markup.
"""

from __future__ import annotations

import re

# --- typographer's quotes -----------------------------------------------------------------

# Characters after which a quote mark opens rather than closes (when a word follows it).
_BEFORE_OPENING = frozenset(" \t\n([{\u2018\u201c\u2014\u2013-/\"'")  # quotes too: "'Hi,' she said"
# Markdown emphasis markers are looked through: *"Wow!"* opens and closes like "Wow!".
_MARKERS = "*_"
# Words that start with an apostrophe, not an opening quote: 'em, 'cause, the '90s.
_ELISION = re.compile(r"(?:em|cause|til|bout|round|tis|twas|n)\b|\d0s\b", re.IGNORECASE)
CURLY_QUOTES = "\u2018\u2019\u201c\u201d"  # ‘ ’ “ ”
# What typed dashes and dots become, as Pandoc's and Python-Markdown's "smart" punctuation does.
_DASHES = re.compile(r"---|--|\.\.\.")
_DASH_FOR = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}  # — – …
TYPOGRAPHERS = CURLY_QUOTES + "\u2013\u2014\u2026"  # every character typeset() may put in


def _beside(text: str, i: int, step: int) -> str:
    """The character next to position i, looking through emphasis markers; "" at either end."""
    i += step
    while 0 <= i < len(text) and text[i] in _MARKERS:
        i += step
    return text[i] if 0 <= i < len(text) else ""


def smart_quotes(text: str) -> str:
    """English text with straight quotes and apostrophes made typographer's ones: “ ” ‘ ’.

    Printed books never set straight quotes. A quote opens when it follows a
    space, an opening bracket or a dash and a word follows it; otherwise it
    closes. A straight single quote after a letter or digit is an apostrophe
    (don't, the kids' towels), as is one starting 'em, 'cause or the '90s; the
    apostrophe is the same character as the closing single quote. Only the
    quote characters change: the text keeps its length and everything else.
    """
    if "'" not in text and '"' not in text:
        return text
    out = list(text)
    for i, ch in enumerate(text):
        if ch not in "'\"":
            continue
        before, after = _beside(text, i, -1), _beside(text, i, +1)
        opens = (before == "" or before in _BEFORE_OPENING) and after != "" and not after.isspace()
        if ch == '"':
            out[i] = "\u201c" if opens else "\u201d"
        elif before.isalnum() or (opens and _ELISION.match(text, i + 1)):
            out[i] = "\u2019"
        else:
            out[i] = "\u2018" if opens else "\u2019"
    return "".join(out)


def smart_dashes(text: str) -> str:
    """`---` as an em dash (—), `--` as an en dash (–) and `...` as an ellipsis (…)."""
    if "--" not in text and "..." not in text:
        return text
    return _DASHES.sub(lambda m: _DASH_FOR[m.group()], text)


def typeset(text: str) -> str:
    """Typed punctuation as a printed book sets it: dashes and ellipses, then quotes and apostrophes.

    Dashes first, so a quote after a dash ("Wait--"Stop!") is judged beside the dash it becomes.
    """
    return smart_quotes(smart_dashes(text))
