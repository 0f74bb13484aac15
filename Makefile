# The two commands in the README. Each sets up what it needs first.
.PHONY: sample test check

.venv/.installed: pyproject.toml scripts/setup
	scripts/setup

sample: .venv/.installed
	.venv/bin/chapterbook validate stories/beach-ride-quest/story.yaml
	.venv/bin/chapterbook build stories/beach-ride-quest/story.yaml

test: .venv/.installed
	.venv/bin/python -m pytest

# What CI checks before the tests: ruff's lint and format, mypy over src/ (settings in pyproject.toml).
check: .venv/.installed
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy
