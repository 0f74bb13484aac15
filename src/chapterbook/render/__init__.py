"""Rendering a story to print-ready PDFs: the interior (pdf.py) and the wrap cover (cover.py).

The numbers come from chapterbook.print_rules (trim, bleed, margins, gutter, spine
width); one job per module here: geometry.py (page boxes), document.py (page
machinery), styles.py, flowables.py, interior/ (the book's content), fonts.py,
images.py (load, resample to 300 ppi, cache), diagrams.py (vector science
diagrams), cover.py (the wrap), rl_fast.py (the only module touching ReportLab's
internals). docs/architecture.md draws the tree.
"""
