"""Three libraries' regular expressions that a book rarely or never uses, compiled when first used, not on import.

Python compiles a module's patterns when the module is imported, and an ebook build after
an edit is mostly imports. Three of them compile patterns that cost more than their use:

- ``reportlab.platypus.paragraph``: ``uri_pat`` (a URL validator taken from Django,
  case-insensitive over most of Unicode), 30-35 ms, read only for an ``<a href>`` in a
  paragraph, which a book's paragraphs never hold;
- ``markdown_it.rules_block.html_block``: thirteen patterns for raw HTML blocks, read only
  for a line of chapter text that starts with ``<`` (which lint then reports);
- ``jinja2._identifier``: the Unicode identifier pattern, read only by Jinja's lexer, which
  runs when a template is compiled; templates come from the compiled-template cache
  (templating.keep_compiled) unless they changed.

:func:`install` (called by chapterbook/__init__.py, before any of them can be imported)
puts an import hook in front that runs each of those modules as Python would, with
``re.compile`` handing back, for the patterns of that module alone, a stand-in compiled on
its first use (any attribute). Nothing in site-packages changes; a pattern another
module or thread compiles meanwhile is compiled as usual; a library whose module no
longer compiles its patterns this way is simply not changed (tests/test_lazy_patterns.py
checks each pattern matches as the library's own).
"""

from __future__ import annotations

import importlib.machinery
import re
import sys
import threading
from collections.abc import Callable

# How ReportLab 4.x/5.x's uri_pat begins (the scheme group): only that pattern of the module is deferred.
URI_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"

# module -> which of the patterns it compiles while it is imported are deferred. None of these modules imports
# another of them (a thread running one holds _SWAPPING while Python's lock of a module it imports may be held
# by a thread waiting for _SWAPPING): keep it so when adding one.
DEFERRED: dict[str, Callable[[str], bool]] = {
    "reportlab.platypus.paragraph": lambda pattern: pattern.startswith(URI_START),
    "markdown_it.rules_block.html_block": lambda pattern: True,
    "jinja2._identifier": lambda pattern: True,
}


class LazyPattern:
    """A regular expression compiled the first time anything of it is used."""

    def __init__(self, pattern: str, flags: int):
        self.pattern_args = (pattern, flags)
        self._compiled: re.Pattern | None = None
        self._lock = threading.Lock()

    def compiled(self) -> re.Pattern:
        """The compiled pattern (compiled now, once, if it was not yet)."""
        with self._lock:
            if self._compiled is None:
                self._compiled = re.compile(*self.pattern_args)
            return self._compiled

    def __getattr__(self, name: str):
        return getattr(self.compiled(), name)


class _Hook:
    """Finds a module of DEFERRED as Python would, and runs it with its chosen patterns deferred.

    A finder for sys.meta_path (anything with find_spec will do; importlib.abc.MetaPathFinder
    would import importlib.resources, four modules no build needs).
    """

    def __init__(self) -> None:
        self.pending = set(DEFERRED)

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.pending:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = getattr(spec, "loader", None)
        if spec is None or not hasattr(loader, "exec_module"):
            return spec
        run, deferred = loader.exec_module, DEFERRED[fullname]

        def exec_module(module) -> None:
            # One such module at a time (re.compile is the process's own): two threads importing two of them
            # at once could otherwise each put back what the other had put in. Reentrant: one may import another.
            with _SWAPPING:
                real = re.compile

                def compile_deferring(pattern, flags=0):
                    # Only the module being run gets stand-ins: its frame is the caller.
                    if isinstance(pattern, str) and sys._getframe(1).f_globals.get("__name__") == fullname and deferred(pattern):
                        return LazyPattern(pattern, flags)
                    return real(pattern, flags)

                re.compile = compile_deferring
                try:
                    run(module)
                finally:
                    re.compile = real
                    self.pending.discard(fullname)
                    if not self.pending:
                        remove()  # every module done (not taken out while the import system walks its finders)

        loader.exec_module = exec_module  # this spec's own loader object: nothing shared is changed
        return spec


_SWAPPING = threading.RLock()
_HOOK = _Hook()


def install() -> None:
    """Defer the patterns of DEFERRED's modules not imported yet (a module imported already keeps its own)."""
    _HOOK.pending -= set(sys.modules)
    if _HOOK.pending and _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)


def remove() -> None:
    """Take the hook out of the import system."""
    if _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)
