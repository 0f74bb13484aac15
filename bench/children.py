"""How the benches start chapterbook processes: as an installed chapterbook would run."""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def chapterbook_env(src: Path, **extra: str) -> dict[str, str]:
    """This process's environment for a chapterbook child: `src` on PYTHONPATH, bytecode written and read.

    pip compiles an installed package's modules once, so a user's chapterbook starts from
    bytecode. This machine's environment sets PYTHONDONTWRITEBYTECODE, which would make
    every timed run compile chapterbook's modules again (a tenth of a second and more);
    the benches measure what a user waits for, so the setting is taken out.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    env.update(extra)
    return env


def compile_once(src: Path) -> None:
    """Write the bytecode of every module under `src` before anything is timed (as pip install does)."""
    compileall.compile_dir(str(src), quiet=1)
