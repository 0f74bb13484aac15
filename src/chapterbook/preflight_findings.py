"""What a preflight check reports: each finding with its recommendation, and a report's findings by severity.

Shared by the PDF preflight (chapterbook.preflight) and the ebook's EPUBCheck reading
(chapterbook.render.epub.check), so both print and judge their findings the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from chapterbook.errors import Severity


@dataclass(frozen=True)
class Finding:
    """One thing preflight found, with what to do about it."""

    check: str
    severity: Severity
    message: str
    recommendation: str = ""
    page: int | None = None

    def format(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        text = f"{self.severity.value}: [{self.check}] {where}{self.message}"
        if self.recommendation:
            text += f"\n    → {self.recommendation}"
        return text


class Graded:
    """A report's findings sorted by how serious they are (shared by the PDF and the ebook reports)."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]
