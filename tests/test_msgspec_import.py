"""msgspec imported without typing_extensions (chapterbook/msgspec_import.py): records still decode, Pydantic still works."""

from __future__ import annotations

import json
import subprocess
import sys

from test_epub import REPO

PROBE = r"""
import json, sys
import chapterbook
left_out = "typing_extensions" not in sys.modules and "msgspec" in sys.modules
import msgspec
from chapterbook.text.grammar import parse
from chapterbook.errors import Location, Problem
# A record with string annotations (X | None, nested records) read back through msgspec's type hints
blocks = parse("# One\n\nA *small* ball rolls.\n\n- a list\n- of two\n").blocks
problem = msgspec.convert({"message": "m", "where": {"file": "a.md", "line": 3}}, Problem, dec_hook=lambda t, v: t(v))
import pydantic  # needs typing_extensions: imported as usual now
class M(pydantic.BaseModel):
    n: int
print(json.dumps({"left_out": left_out, "blocks": len(blocks), "line": problem.where.line, "model": M(n="3").n,
                  "typing_extensions": "typing_extensions" in sys.modules and sys.modules["typing_extensions"] is not None}))
"""


def _probe(first: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", first + PROBE], capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src")}, check=True)
    return json.loads(done.stdout)


def test_msgspec_comes_without_typing_extensions_and_pydantic_still_gets_it():
    got = _probe()
    assert got == {"left_out": True, "blocks": 3, "line": 3, "model": 3, "typing_extensions": True}


def test_a_program_that_imported_typing_extensions_first_keeps_it():
    got = _probe("import typing_extensions\n")
    assert got["left_out"] is False and got["blocks"] == 3 and got["model"] == 3
