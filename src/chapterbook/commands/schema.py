"""chapterbook schema: print the JSON Schema of story.yaml for editors."""

from __future__ import annotations

import argparse
import json

from chapterbook.spec.models import StorySpec

HELP = "print the JSON Schema of story.yaml (for editor autocompletion)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    schema = StorySpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "chapterbook story.yaml"
    print(json.dumps(schema, indent=2, sort_keys=False))
    return 0
