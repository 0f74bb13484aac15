"""What a preflight check reports: each finding with its recommendation, and a report's findings by severity.

Shared by the PDF preflight (chapterbook.preflight) and the ebook's EPUBCheck reading
(chapterbook.render.epub.check), so both print and judge their findings the same way.
The PDF report's types are here too, with their JSON form (kept by chapterbook.preflight_cache):
none of this needs pypdf, which only reading a PDF does (a report from the cache needs no reader).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class FontInfo:
    name: str
    subtype: str
    embedded: bool
    subset: bool


@dataclass(frozen=True)
class ImageInfo:
    page: int
    name: str
    width_px: int
    height_px: int
    x_ppi: float
    y_ppi: float


@dataclass(frozen=True)
class PageBoxes:
    page: int
    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float] | None
    bleed: tuple[float, float, float, float] | None


@dataclass
class PreflightReport(Graded):
    """Everything preflight looked at, and what it found."""

    pdf: Path
    kind: str  # "interior" or "cover"
    pages: int = 0
    findings: list[Finding] = field(default_factory=list)
    fonts: list[FontInfo] = field(default_factory=list)
    images: list[ImageInfo] = field(default_factory=list)
    boxes: list[PageBoxes] = field(default_factory=list)
    placeholders: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def verdict(self) -> str:
        """One line: passed or failed, with counts."""
        name = self.pdf.name
        if self.ok:
            extra = f" with {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}" if self.warnings else ""
            return f"preflight passed: {name} ({self.kind}, {self.pages} page{'s' if self.pages != 1 else ''}){extra}"
        return f"preflight FAILED: {name} has {len(self.errors)} error{'s' if len(self.errors) != 1 else ''} and {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"


def report_to_json(report: PreflightReport) -> dict:
    """`report` as JSON-able data (without the PDF's path: the same bytes may be anywhere)."""
    data = {**asdict(report), "pdf": None}
    for finding in data["findings"]:
        finding["severity"] = finding["severity"].value
    return data


def report_from_json(data: dict, pdf: Path) -> PreflightReport:
    """The report `report_to_json` made, for `pdf`."""

    def box(value):
        return tuple(value) if value is not None else None

    return PreflightReport(
        pdf=pdf,
        kind=data["kind"],
        pages=data["pages"],
        findings=[Finding(**{**f, "severity": Severity(f["severity"])}) for f in data["findings"]],
        fonts=[FontInfo(**f) for f in data["fonts"]],
        images=[ImageInfo(**i) for i in data["images"]],
        boxes=[PageBoxes(b["page"], box(b["media"]), box(b["trim"]), box(b["bleed"])) for b in data["boxes"]],
        placeholders=[tuple(p) for p in data["placeholders"]],
    )
