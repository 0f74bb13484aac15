"""ReportLab's paragraph module imported without compiling its URI pattern, which a book never uses, up front.

``reportlab.platypus.paragraph`` compiles ``uri_pat`` (a URL validator taken from Django,
case-insensitive over most of Unicode) when it is imported: 30-35 ms, a twentieth of a
rebuild after an edit, for a pattern only a ``<a href>`` in a paragraph reads, and a book's
paragraphs have none. Installed by chapterbook/render/__init__.py, so before any renderer
module imports ReportLab, this import hook runs that one module with ``re.compile`` handing
back, for that pattern alone, a stand-in compiled on its first use (any attribute), and
removes itself afterwards. Nothing in site-packages is changed; a ReportLab whose pattern no
longer starts as below simply compiles it as before (tests/test_rl_import.py).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys
import threading

MODULE = "reportlab.platypus.paragraph"
# How ReportLab 4.x/5.x's uri_pat begins (the scheme group); only a pattern starting so is deferred.
URI_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"


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


class _Hook(importlib.abc.MetaPathFinder):
    """Finds MODULE as Python would, and runs it with its URI pattern deferred."""

    def find_spec(self, fullname, path, target=None):
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = getattr(spec, "loader", None)
        if spec is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module) -> None:
            real = re.compile

            def compile_deferring_uri(pattern, flags=0):
                if isinstance(pattern, str) and pattern.startswith(URI_START):
                    return LazyPattern(pattern, flags)
                return real(pattern, flags)

            re.compile = compile_deferring_uri
            try:
                run(module)
            finally:
                re.compile = real
                remove()  # needed for this one import (not taken out while the import system walks its finders)

        loader.exec_module = exec_module  # this spec's own loader object: nothing shared is changed
        return spec


_HOOK = _Hook()


def install() -> None:
    """Defer the URI pattern of ReportLab's paragraph module, if that module is not imported yet."""
    if MODULE not in sys.modules and _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)


def remove() -> None:
    """Take the hook out of the import system (it is needed for one import at most)."""
    if _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)
