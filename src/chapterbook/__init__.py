"""chapterbook: author illustrated children's STEM chapter books from one YAML story spec."""

from chapterbook import lazy_patterns

__version__ = "0.1.0"

lazy_patterns.install()  # before anything imports markdown-it, Jinja or ReportLab: see lazy_patterns
