"""PDF/X-3 through Ghostscript: an optional extra step after book.pdf and cover.pdf are written.

The result is as reproducible as the PDFs it comes from: Ghostscript stamps the
input's own creation date (``SOURCE_DATE_EPOCH``) and derives the file's /ID
from the output's name and that date, so it writes into a private folder under
a fixed name, which is then renamed into place (nothing half-written is left).
"""

from __future__ import annotations

import calendar
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from chapterbook.errors import ChapterbookError

# ReportLab's `invariant` date (2000-01-01), used when the input PDF has none.
DEFAULT_EPOCH = 946684800

INSTALL_HINT = "install Ghostscript (Debian/Ubuntu: sudo apt-get install ghostscript; macOS: brew install ghostscript), or build without --pdfx"


def _cmyk_profile() -> Path | None:
    """Ghostscript's own CMYK profile, used as the output intent."""
    for pattern in (
        "/usr/share/ghostscript/*/iccprofiles/default_cmyk.icc",
        "/usr/local/share/ghostscript/*/iccprofiles/default_cmyk.icc",
        "/opt/homebrew/share/ghostscript/*/iccprofiles/default_cmyk.icc",
    ):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[-1])
    return None


def _ps_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _creation_epoch(pdf: Path) -> int:
    """The input's /CreationDate as seconds since 1970, so the PDF/X file carries the same date."""
    from pypdf import PdfReader

    with contextlib.suppress(Exception):  # an unreadable or odd date only costs the date
        info = PdfReader(pdf).metadata
        created = info.creation_date if info is not None else None
        if created is not None:
            return calendar.timegm(created.utctimetuple())
    return DEFAULT_EPOCH


def ghostscript() -> tuple[str, Path]:
    """Ghostscript's program and its CMYK profile; a plain error saying what to install when missing."""
    gs = shutil.which("gs")
    if gs is None:
        raise ChapterbookError("--pdfx needs Ghostscript, and it is not installed", hint=INSTALL_HINT)
    icc = _cmyk_profile()
    if icc is None:
        raise ChapterbookError(
            "--pdfx could not find Ghostscript's CMYK colour profile (default_cmyk.icc)", hint="reinstall Ghostscript with its iccprofiles folder"
        )
    return gs, icc


def to_pdfx(pdf: Path, out: Path, title: str) -> Path:
    """Convert `pdf` to PDF/X-3 at `out` (atomically and reproducibly) with Ghostscript; returns `out`."""
    gs, icc = ghostscript()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Beside `out`, so the finished file is renamed into place on the same disk.
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmpdir:
        work = Path(tmpdir)
        definition = work / "pdfx_def.ps"
        definition.write_text(
            f"""%!
/ICCProfile {_ps_string(str(icc))} def
[/GTS_PDFXVersion (PDF/X-3:2002) /Title {_ps_string(title.encode("ascii", "replace").decode())} /Trapped /False /DOC pdfmark
[/_objdef {{icc_PDFX}} /type /stream /OBJ pdfmark
[{{icc_PDFX}} <</N 4>> /PUT pdfmark
[{{icc_PDFX}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFX}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFX}} <</Type /OutputIntent /S /GTS_PDFX /OutputCondition (Commercial and specialty printing) /Info (none) /OutputConditionIdentifier (CGATS TR001) /RegistryName (http://www.color.org) /DestOutputProfile {{icc_PDFX}}>> /PUT pdfmark
[{{Catalog}} <</OutputIntents [ {{OutputIntent_PDFX}} ]>> /PUT pdfmark
""",
            encoding="ascii",
        )
        cmd = [
            gs, "-q", "-dPDFX=true", "-dBATCH", "-dNOPAUSE", "-dSAFER", f"--permit-file-read={icc}",
            "-sDEVICE=pdfwrite", "-sColorConversionStrategy=CMYK", "-sProcessColorModel=DeviceCMYK",
            "-dPDFSETTINGS=/prepress", "-dEmbedAllFonts=true", "-dSubsetFonts=true",
            f"-sOutputFile={out.name}", definition.name, str(pdf.resolve()),
        ]  # fmt: skip
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(_creation_epoch(pdf))}
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=work, env=env)
        if done.returncode != 0 or not (work / out.name).is_file():
            raise ChapterbookError(
                f"Ghostscript could not make a PDF/X file from {pdf.name}: {(done.stderr or done.stdout).strip()[:300]}",
                hint=f"send this message with the book to the chapterbook developers; the plain {pdf.name} is still usable",
            )
        os.replace(work / out.name, out)
    return out
