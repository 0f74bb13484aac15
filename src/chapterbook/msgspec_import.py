"""msgspec, imported without typing_extensions when nothing has imported that yet.

msgspec reads a record's type hints with typing_extensions' ``get_type_hints`` when it can
import typing_extensions, else with ``typing``'s. The two differ only for typing_extensions'
own forms (its ``Required``, ``NotRequired`` and ``Annotated`` on old Pythons), which
chapterbook's records do not use, and Python 3.11's ``typing`` has all of them. Importing
typing_extensions, a module of some 3,000 lines, was 7 ms of every command's start, a
twentieth of a warm ebook build.

Only msgspec's import is kept from it: Pydantic, which needs typing_extensions, imports it
as usual afterwards, and a program that imported it before chapterbook keeps it.
"""

from __future__ import annotations

import sys


def import_msgspec() -> None:
    """Import msgspec (once) with ``import typing_extensions`` failing meanwhile, unless something already has it."""
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # Python's way of saying "not importable"
    try:
        import msgspec  # noqa: F401
    finally:
        if "typing_extensions" in sys.modules and sys.modules["typing_extensions"] is None:
            del sys.modules["typing_extensions"]
