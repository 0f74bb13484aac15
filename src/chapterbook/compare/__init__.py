"""Compare human and LLM versions of each chapter: deterministic metrics and a side-by-side report."""

from chapterbook.compare.report import CompareResult, compare

__all__ = ["CompareResult", "compare"]
