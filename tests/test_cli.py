"""The commands from the foundation issue, run as an author runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO


def test_new_scaffolds_a_story_that_validates_and_builds(cli, tmp_path):
    result = cli("new", "stories/my-book", cwd=tmp_path)
    assert result.code == 0, result.text
    spec = tmp_path / "stories/my-book/story.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count("#") > 10, "the scaffold should explain itself in comments"
    assert 'title: "My Book"' in text
    check = cli("validate", "stories/my-book/story.yaml", cwd=tmp_path)
    assert check.code == 0, check.text
    assert "OK — 'My Book', 1 chapter(s)" in check.out
    built = cli("build", "stories/my-book/story.yaml", "--format", "md,html", cwd=tmp_path)
    assert built.code == 0, built.text
    assert (tmp_path / "output/my-book/manuscript.md").is_file()


def test_new_never_overwrites_a_story(cli, tmp_path):
    assert cli("new", "book", cwd=tmp_path).code == 0
    (tmp_path / "book/story.yaml").write_text("my precious work", encoding="utf-8")
    again = cli("new", "book", cwd=tmp_path)
    assert again.code == 2
    assert "already exists" in again.err
    assert (tmp_path / "book/story.yaml").read_text(encoding="utf-8") == "my precious work"


def test_schema_is_json_schema_for_the_spec(cli):
    result = cli("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"spec_version", "book", "chapters"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert "description" in schema["$defs"]["Book"]["properties"]["isbn"]


def test_schema_accepts_the_sample_book(cli):
    jsonschema = pytest.importorskip("jsonschema")
    from chapterbook.spec.load import read_yaml

    schema = json.loads(cli("schema").out)
    data, _ = read_yaml(REPO / "stories/beach-ride-quest/story.yaml")
    data["book"]["publication_date"] = str(data["book"]["publication_date"])
    jsonschema.validate(data, schema)


def test_build_md_html_writes_outputs_and_record(cli, sample_copy, tmp_path):
    spec = sample_copy("beach-ride-quest")
    result = cli("build", str(spec), "--format", "md,html", "--output", str(tmp_path / "out"))
    assert result.code == 0, result.text
    out = tmp_path / "out/beach-ride-quest"
    manuscript = (out / "manuscript.md").read_text(encoding="utf-8")
    preview = (out / "preview.html").read_text(encoding="utf-8")
    assert manuscript.startswith("# Curious Cassie's Beach Ride Quest")
    assert "## Chapter 2: The Cart That Would Not Budge" in manuscript
    assert "<h2>Glossary</h2>" in preview
    record = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert set(record["outputs"]) == {"manuscript", "preview"}
    assert "story.yaml" in record["inputs"] and any(k.startswith("chapters/") for k in record["inputs"])
    assert record["templates"]["markdown/manuscript.md.j2"]["sha256"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_story_templates_override_the_shipped_ones(cli, sample_copy, tmp_path):
    spec = sample_copy("magnet-mystery")
    override = spec.parent / "templates/markdown"
    override.mkdir(parents=True)
    (override / "manuscript.md.j2").write_text("CUSTOM {{ book.title }} / {{ chapters | length }} chapters\n", encoding="utf-8")
    result = cli("build", str(spec), "--format", "md", "--output", str(tmp_path / "out"))
    assert result.code == 0, result.text
    assert (tmp_path / "out/magnet-mystery/manuscript.md").read_text() == "CUSTOM Priya and the Magnet Mystery / 2 chapters\n"


def test_story_text_is_data_not_template_or_markup(cli, tmp_path):
    assert cli("new", "book", cwd=tmp_path).code == 0
    chapter = tmp_path / "book/chapters/01-first-chapter.md"
    chapter.write_text("Hero wrote {{ 7 * 7 }} and <script>alert(1)</script> & *ran*.\n", encoding="utf-8")
    spec = tmp_path / "book/story.yaml"
    spec.write_text(spec.read_text().replace("- What did Hero drop first?", "- What did <b>Hero</b> drop & why?"), encoding="utf-8")
    assert cli("build", "book", "--format", "md,html", cwd=tmp_path).code == 0
    html = (tmp_path / "output/book/preview.html").read_text(encoding="utf-8")
    assert "{{ 7 * 7 }}" in html and "49" not in html.split("<body>")[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <em>ran</em>" in html
    assert "<script>" not in html
    assert "<li>What did &lt;b&gt;Hero&lt;/b&gt; drop &amp; why?</li>" in html
    # The stylesheet is inserted verbatim: its quoted family name (the embedded book font) is not escaped.
    assert 'font-family: "BookFont", Andika' in html and "&#34;" not in html.split("</style>")[0]


def test_build_refuses_a_book_with_errors_and_writes_nothing(cli, tmp_path):
    assert cli("new", "book", cwd=tmp_path).code == 0
    spec = tmp_path / "book/story.yaml"
    spec.write_text(spec.read_text().replace("concepts: [gravity]", "concepts: [gravty]"), encoding="utf-8")
    result = cli("build", "book", cwd=tmp_path)
    assert result.code == 1
    assert "unknown concept id 'gravty' — did you mean 'gravity'?" in result.err
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (("validate", "nowhere/story.yaml"), "error: there is no story file at nowhere/story.yaml"),
        (("build", "book", "--format", "docx"), "error: unknown format 'docx'"),
        (("validate",), "the following arguments are required: story"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_in_plain_words(cli, tmp_path, args, message):
    cli("new", "book", cwd=tmp_path)
    result = cli(*args, cwd=tmp_path)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.text


def test_exit_codes_as_a_real_process(tmp_path):
    """0 clean, 1 problems in the book, 2 usage errors; no traceback without --debug."""
    run = lambda *a: subprocess.run([sys.executable, "-m", "chapterbook", *a], cwd=tmp_path, capture_output=True, text=True)  # noqa: E731
    assert run("new", "book").returncode == 0
    assert run("validate", "book/story.yaml").returncode == 0
    (tmp_path / "book/story.yaml").write_text("spec_version: 1\nbook: {title: 5}\n", encoding="utf-8")
    bad = run("validate", "book/story.yaml")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "book/story.yaml:2:8: error: book.title: expected text, found 5" in bad.stderr
    assert run("validate", "missing.yaml").returncode == 2
    debug = run("--debug", "validate", "missing.yaml")
    assert "Traceback" in debug.stderr


def test_a_command_imports_only_its_own_stage():
    # A fresh interpreter: in this one the other tests have imported everything already.
    code = (
        "import sys, chapterbook.cli as c; c.parser(['validate', 'story.yaml']);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'pypdf', 'openai', 'PIL', 'jinja2'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    # With no command named, help needs every command, so all of them are loaded.
    code = "import sys, chapterbook.cli as c; c.parser([]); print('reportlab' in sys.modules or 'pypdf' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"


# The command as installed (its entry point), reporting whether pydantic read the installed packages'
# metadata looking for plugins: importlib.metadata.entry_points is wrapped before pydantic can import it.
PLUGIN_PROBE = (
    "import importlib.metadata as m, os, sys; looked = []; real = m.entry_points\n"
    "m.entry_points = lambda *a, **k: (looked.append(k), real(*a, **k))[1]\n"
    "from chapterbook.__main__ import run\n"
    "sys.argv = ['chapterbook', 'validate', sys.argv[1]]; code = run()\n"
    "print('looked' if any(k.get('group') == 'pydantic' for k in looked) else 'did not look', os.environ.get('PYDANTIC_DISABLE_PLUGINS'), code)\n"
)


@pytest.mark.parametrize(("given", "said"), [(None, "did not look __all__ 0"), ("some-plugin", "looked some-plugin 0")])
def test_the_command_does_not_look_for_pydantic_plugins_unless_the_user_says(given, said, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = str(REPO / "src")
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given  # pydantic's own setting: the user's choice is kept
    story = REPO / "stories" / "magnet-mystery" / "story.yaml"
    done = subprocess.run([sys.executable, "-c", PLUGIN_PROBE, str(story)], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == said, done.stdout + done.stderr
