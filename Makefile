# The two commands in the README. Each sets up what it needs first.
.PHONY: sample test

.venv/.installed: pyproject.toml scripts/setup
	scripts/setup

sample: .venv/.installed
	.venv/bin/chapterbook validate stories/beach-ride-quest/story.yaml
	.venv/bin/chapterbook build stories/beach-ride-quest/story.yaml

test: .venv/.installed
	.venv/bin/python -m pytest
