"""PDF/X-3 through Ghostscript: an optional extra step after book.pdf is written."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from pathlib import Path

from chapterbook.errors import ChapterbookError
from chapterbook.output import atomic_path

INSTALL_HINT = "install Ghostscript (Debian/Ubuntu: sudo apt-get install ghostscript; macOS: brew install ghostscript), or build without --pdfx"


def _cmyk_profile() -> Path | None:
    """Ghostscript's own CMYK profile, used as the output intent."""
    for pattern in ("/usr/share/ghostscript/*/iccprofiles/default_cmyk.icc", "/usr/local/share/ghostscript/*/iccprofiles/default_cmyk.icc", "/opt/homebrew/share/ghostscript/*/iccprofiles/default_cmyk.icc"):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[-1])
    return None


def _ps_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def to_pdfx(pdf: Path, out: Path, title: str) -> Path:
    """Convert `pdf` to PDF/X-3 at `out` (atomically) with Ghostscript; returns `out`."""
    gs = shutil.which("gs")
    if gs is None:
        raise ChapterbookError("--pdfx needs Ghostscript, and it is not installed", hint=INSTALL_HINT)
    icc = _cmyk_profile()
    if icc is None:
        raise ChapterbookError("--pdfx could not find Ghostscript's CMYK colour profile (default_cmyk.icc)", hint="reinstall Ghostscript with its iccprofiles folder")
    with tempfile.TemporaryDirectory() as tmpdir:
        definition = Path(tmpdir) / "pdfx_def.ps"
        definition.write_text(
            f"""%!
/ICCProfile {_ps_string(str(icc))} def
[/GTS_PDFXVersion (PDF/X-3:2002) /Title {_ps_string(title.encode('ascii', 'replace').decode())} /Trapped /False /DOC pdfmark
[/_objdef {{icc_PDFX}} /type /stream /OBJ pdfmark
[{{icc_PDFX}} <</N 4>> /PUT pdfmark
[{{icc_PDFX}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFX}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFX}} <</Type /OutputIntent /S /GTS_PDFX /OutputCondition (Commercial and specialty printing) /Info (none) /OutputConditionIdentifier (CGATS TR001) /RegistryName (http://www.color.org) /DestOutputProfile {{icc_PDFX}}>> /PUT pdfmark
[{{Catalog}} <</OutputIntents [ {{OutputIntent_PDFX}} ]>> /PUT pdfmark
""",
            encoding="ascii",
        )
        with atomic_path(out) as tmp:
            cmd = [
                gs, "-q", "-dPDFX=true", "-dBATCH", "-dNOPAUSE", "-dSAFER", f"--permit-file-read={icc}",
                "-sDEVICE=pdfwrite", "-sColorConversionStrategy=CMYK", "-sProcessColorModel=DeviceCMYK",
                "-dPDFSETTINGS=/prepress", "-dEmbedAllFonts=true", "-dSubsetFonts=true",
                f"-sOutputFile={tmp}", str(definition), str(pdf),
            ]  # fmt: skip
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise ChapterbookError(
                    f"Ghostscript could not make a PDF/X file from {pdf.name}: {(done.stderr or done.stdout).strip()[:300]}",
                    hint="send this message with the book to the chapterbook developers; the plain book.pdf is still usable",
                )
    return out
