"""Notice when any file of a story changes, is added or is removed.

Polling file signatures (size, modification time) every few tens of milliseconds,
rather than inotify: it works on every file system an author may keep a book on
(network shares, container mounts, synced folders, where inotify events never
arrive), it survives the story folder being deleted and put back, and a story
folder holds a few dozen files, so a poll costs well under a millisecond.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

Signature = dict[str, tuple[int, int]]

MAX_FILES = 5000  # a story folder with more files than this is not a story folder; stop counting there


def signature(root: Path, skip: Iterable[Path] = ()) -> Signature:
    """Every file below `root` (hidden folders and `skip` folders left out) -> (size, mtime_ns).

    A missing or unreadable root gives an empty signature, so its return counts as a change.
    """
    skipped = {os.path.realpath(p) for p in skip}
    found: Signature = {}
    stack = [str(root)]
    while stack and len(found) < MAX_FILES:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith("~") or entry.name.endswith(".swp"):
                continue  # editors' backup and swap files, and our own caches, are not the book
            try:
                if entry.is_dir(follow_symlinks=False):
                    if os.path.realpath(entry.path) not in skipped:
                        stack.append(entry.path)
                elif entry.is_file():
                    st = entry.stat()
                    found[entry.path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                continue  # removed between listing and stat: the next poll sees it gone
    return found


def changed(before: Signature, after: Signature) -> list[str]:
    """The paths added, removed or modified between two signatures, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
