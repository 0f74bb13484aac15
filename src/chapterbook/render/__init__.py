"""Rendering a story to print-ready PDFs: the interior (pdf.py) and the wrap cover (cover.py).

One concern per module: layout.py (trim, bleed, margins, spine), fonts.py,
images.py (load, resample to 300 ppi, cache), diagrams.py (vector science
diagrams), pdf.py (the interior), cover.py (the wrap).
"""
