"""Compiled regular expressions kept between runs, beside chapterbook's own bytecode.

Python compiles every regular expression a module defines when the module is imported,
in pure Python (``re._parser`` then ``re._compiler``), and only ``.pyc`` files are kept
between processes, never the compiled patterns. A warm ebook build is mostly imports, and
the hundred-odd patterns that Python's standard library, markdown-it, Jinja, msgspec and
chapterbook compile on the way were a tenth of its instructions.

:func:`install` (called by chapterbook/__init__.py, first thing) wraps the one function
every ``re.compile``, ``re.match`` etc. goes through when a pattern is not in ``re``'s
own cache, ``re._compiler.compile``:

- a pattern seen by an earlier run is made by ``_sre.compile`` straight from the code kept
  for it (microseconds: the C side checks the code before using it);
- any other pattern is compiled exactly as ``re`` does, and its code is noted;
- at exit, when new patterns were noted, the file is written again (atomically).

The file sits where Python keeps chapterbook's ``.pyc`` files (``__pycache__``, or under
``sys.pycache_prefix``) and follows the same rules: not written when bytecode is not
(``PYTHONDONTWRITEBYTECODE``, a read-only install), named for the interpreter, and keyed by
``_sre.MAGIC`` and the Python version, whose internal code format it is. Anything wrong
with it (missing, truncated, from another version) only means patterns are compiled as
usual. Before the first pattern of a run is compiled the new way, one sample is made both
ways and compared: on an interpreter whose ``re`` internals differ, ``re`` is put back as
it was.
"""

from __future__ import annotations

import _sre
import atexit
import marshal
import os
import re
import sys
from re import _compiler, _parser  # type: ignore[attr-defined]  # re's own internals: see install()

# What _sre.compile takes after the pattern: the flags, the code, the number of groups, their names both ways.
Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_HEADER = (sys.version, _sre.MAGIC, 2)  # the code format is the interpreter's; the last number is this file's
# A pattern no run has used for this many writes of the file is dropped. Some patterns differ in every
# process (markdown-it joins a set of characters into one, in the set's order, which the hash seed picks),
# so without this the file would grow by one such pattern per run.
_MAX_AGE = 16

Key = tuple[bool, str | bytes, int]  # (a bytes pattern?, the pattern, the flags)
_known: dict[Key, Entry] = {}
_age: dict[Key, int] = {}  # how many writes of the file ago each kept pattern was last used
_used: set[Key] = set()
_new = 0
_checked = False
_real_compile = _compiler.compile  # re's own, taken before install() puts _compile in its place


def cache_file() -> str | None:
    """Where the patterns are kept: chapterbook's own bytecode folder (None when Python writes no bytecode there)."""
    cached = globals().get("__cached__")  # this module's .pyc path, as the import system chose it
    if not cached:
        return None
    return os.path.join(os.path.dirname(cached), f"patterns.{sys.implementation.cache_tag}.marshal")


def _fresh(pattern: str | bytes, flags: int) -> tuple[re.Pattern, Entry]:
    """Compile `pattern` as re._compiler.compile does, keeping the code it made."""
    return _made(pattern, flags, _parser.parse(pattern, flags))


def _made(pattern: str | bytes, flags: int, parsed) -> tuple[re.Pattern, Entry]:
    """The rest of re._compiler.compile, after the parse: the code, the group names, the pattern object."""
    code = [int(op) for op in _compiler._code(parsed, flags)]  # re's opcodes are int subclasses, which marshal refuses
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    entry: Entry = (int(flags | parsed.state.flags), code, parsed.state.groups - 1, dict(groupindex), tuple(indexgroup))
    return _sre.compile(pattern, *entry), entry


def _compile(pattern, flags=0):
    if not isinstance(pattern, (str, bytes)) or flags & re.DEBUG:
        return _real_compile(pattern, flags)
    key = (isinstance(pattern, bytes), pattern, int(flags))
    entry = _known.get(key)
    _used.add(key)
    if entry is not None:
        try:
            return _sre.compile(pattern, *entry)
        except Exception:  # a damaged entry: compile it afresh below
            pass
    global _new, _checked
    if not _checked:  # the first pattern this run compiles: are re's internals the ones _fresh copies?
        _checked = True
        if not _works():
            _compiler.compile = _real_compile
            _known.clear()
            return _real_compile(pattern, flags)
    # Parsed here, not in _fresh: the parser's warnings (a possible nested set...) name the frame a fixed
    # number of calls up, which must be the code that called re, as with re's own compile.
    compiled, entry = _made(pattern, int(flags), _parser.parse(pattern, int(flags)))
    _known[key] = entry
    _new += 1
    return compiled


def _load(path: str) -> None:
    try:
        with open(path, "rb") as fh:
            header, entries = marshal.loads(fh.read())
        if tuple(header) == _HEADER and isinstance(entries, dict):
            for key, (age, entry) in entries.items():
                _known[key], _age[key] = entry, age
            global _checked
            _checked = True  # written by a run of this very interpreter that checked _fresh
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or not one we can read: compile as usual
        pass


def _save(path: str) -> None:
    """Write the patterns noted so far, when this run compiled any new ones."""
    if not _new or sys.dont_write_bytecode:
        return
    entries = {}
    for key, entry in _known.items():
        age = 0 if key in _used else _age.get(key, 0) + 1
        if age <= _MAX_AGE:
            entries[key] = (age, entry)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as fh:
            fh.write(marshal.dumps((_HEADER, entries)))
        os.replace(temporary, path)  # another process writing at the same time: one whole file wins
    except (OSError, ValueError):  # a read-only install, a full disk: the patterns are compiled again next time
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _works() -> bool:
    """Does _fresh make the same pattern as re's own compiler on this interpreter?"""
    try:
        sample = r"(?P<word>\w+)-(\d{2,})|[^\W\d]x(?i:y)$"
        ours, _ = _fresh(sample, re.MULTILINE)
        theirs = _real_compile(sample, re.MULTILINE)
        probe = "abc-123\nQxY"
        return (ours.flags, ours.groups, ours.groupindex, ours.findall(probe)) == (
            theirs.flags,
            theirs.groups,
            theirs.groupindex,
            theirs.findall(probe),
        )
    except Exception:
        return False


def install() -> None:
    """Compile patterns from the kept code from now on (once per process)."""
    path = cache_file()
    if path is None or _compiler.compile is not _real_compile:  # nowhere to keep them, or installed already
        return
    _load(path)
    _compiler.compile = _compile
    atexit.register(_save, path)
