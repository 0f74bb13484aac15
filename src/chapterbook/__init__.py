"""chapterbook: author illustrated children's STEM chapter books from one YAML story spec."""

from chapterbook import lazy_patterns, msgspec_import, pattern_cache

__version__ = "0.1.0"

pattern_cache.install()  # first: every pattern compiled from here on can come from the kept code
lazy_patterns.install()  # before anything imports markdown-it, Jinja or ReportLab: see lazy_patterns
msgspec_import.import_msgspec()  # before any record is defined: see msgspec_import
