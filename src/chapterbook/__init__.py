"""chapterbook: author illustrated children's STEM chapter books from one YAML story spec."""

__version__ = "0.1.0"
