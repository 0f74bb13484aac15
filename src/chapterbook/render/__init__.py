"""Rendering a story to print-ready PDFs (the interior, pdf.py; the wrap cover, cover.py) and the ebook (epub/).

The numbers come from chapterbook.print_rules (trim, bleed, margins, gutter, spine
width); one job per module here: geometry.py (page boxes), document.py (page
machinery), styles.py, flowables.py, interior/ (the book's content), blocks.py
(the text's blocks), fonts.py, images.py (load, resample to 300 ppi, cache),
diagrams/ (vector science diagrams), cover.py and barcode.py (the wrap),
rl_fast.py (the only module touching ReportLab's internals). docs/architecture.md
draws the tree. ReportLab's unused URI pattern is compiled only if used: chapterbook/lazy_patterns.py.
"""
