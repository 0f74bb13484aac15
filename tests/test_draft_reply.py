"""The pieces of drafting that need no server: reply parsing, file names, cache keys, prompts, prices, retry waits."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time

import pytest

from chapterbook.draft.prompts import chapter_prompt
from chapterbook.draft.reply import (
    ChapterReply,
    IllustrationBrief,
    chapter_from_json,
    json_schema,
    parse_json_reply,
    parse_plain_text,
    read_chapter_text,
)
from chapterbook.draft.run import Price, draft_filename, model_slug, new_run_id, parse_price, price_for
from chapterbook.errors import UsageError
from chapterbook.llm.cache import Cache, request_key
from chapterbook.llm.endpoint import redact
from chapterbook.llm.reading import read_reply, split_reasoning, without_chatter
from chapterbook.llm.retry import RetryPolicy, retry_after_seconds
from chapterbook.spec.load import load_story
from chapterbook.text import blocks
from draft_support import story_path  # noqa: F401  (fixture)

# --- the chapter reply ---------------------------------------------------------------------


def test_markdown_has_title_paragraphs_and_illustration_lines_in_place():
    reply = ChapterReply(
        title="The Stuck Cart",
        paragraphs=["Cassie pushed.", "The cart rolled\nand rolled.", "Mom smiled."],
        illustrations=[IllustrationBrief(after_paragraph=1, brief="Cassie pushing"), IllustrationBrief(after_paragraph=0, brief="The beach")],
    )
    md = reply.to_markdown()
    assert md.splitlines()[0] == "# The Stuck Cart"
    assert md.split("\n\n") == [
        "# The Stuck Cart",
        "[illustration: The beach]",
        "Cassie pushed.",
        "[illustration: Cassie pushing]",
        "The cart rolled and rolled.",
        "Mom smiled.\n",
    ]
    kinds = [b.kind for b in blocks(md)]  # the text module reads it back the way it was meant
    assert kinds == ["heading", "illustration", "paragraph", "illustration", "paragraph", "paragraph"]


def test_markdown_keeps_markers_on_one_line_and_clamps_positions():
    reply = ChapterReply(title="A [strange]\ntitle", paragraphs=["One."], illustrations=[IllustrationBrief(after_paragraph=9, brief="a ] b\nc")])
    md = reply.to_markdown()
    assert md.splitlines()[0] == "# A [strange) title"
    assert md.rstrip().splitlines()[-1] == "[illustration: a ) b c]"


@pytest.mark.parametrize(
    "heading",
    ["# The Ramp", "Chapter 2: The Ramp", "**Chapter 2: The Ramp**", "## Chapter Two - The Ramp", "Title: The Ramp"],
)
def test_plain_text_headings(heading):
    reply = parse_plain_text(f"{heading}\n\nCassie ran up.\nShe slid down.\n\n[Illustration: a ramp in the sand]\n\nThe end.\n")
    assert reply.title == "The Ramp"
    assert reply.paragraphs == ["Cassie ran up. She slid down.", "The end."]
    assert [(i.after_paragraph, i.brief) for i in reply.illustrations] == [(1, "a ramp in the sand")]


def test_plain_text_without_heading_is_refused_in_plain_words():
    with pytest.raises(ValueError, match="no chapter heading"):
        parse_plain_text("Cassie ran.\n\nShe fell.")


def test_plain_text_that_is_json_anyway_is_read_as_json():
    reply = parse_plain_text('```json\n{"title": "T", "paragraphs": ["p"], "illustrations": []}\n```')
    assert reply.title == "T" and reply.paragraphs == ["p"]


def test_json_reply_in_a_fence_and_broken_json():
    assert parse_json_reply('```json\n{"title": "T", "paragraphs": ["a", "b"], "illustrations": []}\n```').paragraphs == ["a", "b"]
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_json_reply('{"title": "T", "paragraphs": ["a"')
    with pytest.raises(ValueError, match="chapter shape"):
        parse_json_reply('{"title": "T", "paragraphs": "a", "illustrations": []}')
    with pytest.raises(ValueError, match="no paragraphs"):
        parse_json_reply('{"title": "T", "paragraphs": [" "], "illustrations": []}')


def test_schema_is_strict_and_keeps_a_field_called_title():
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["title", "paragraphs", "illustrations"]
    assert "title" in schema["properties"]
    brief = schema["$defs"]["IllustrationBrief"]
    assert brief["additionalProperties"] is False and brief["required"] == ["after_paragraph", "brief"]
    assert "default" not in str(schema)


# --- names -------------------------------------------------------------------------------------


def test_file_names_and_model_slugs():
    assert model_slug("org/llama3.2:3b-instruct q4") == "org-llama3.2-3b-instruct-q4"
    assert draft_filename(3, "gpt-4o-mini", 2) == "chapter-03.gpt-4o-mini.s2.md"
    assert draft_filename(12, "a/b", 1) == "chapter-12.a-b.s1.md"


def test_run_ids_sort_by_time():
    early = new_run_id(dt.datetime(2026, 11, 26, 4, 19, 0, tzinfo=dt.UTC))
    late = new_run_id(dt.datetime(2026, 11, 26, 4, 19, 1, tzinfo=dt.UTC))
    assert re.fullmatch(r"20261126T041900\.000Z-[0-9a-f]{6}", early)
    assert sorted([late, early]) == [early, late]
    # Runs in the same second still sort in the order they were made, whatever the random suffix.
    for _ in range(50):
        a = new_run_id(dt.datetime(2026, 11, 26, 4, 19, 0, 1000, tzinfo=dt.UTC))
        b = new_run_id(dt.datetime(2026, 11, 26, 4, 19, 0, 2000, tzinfo=dt.UTC))
        assert sorted([b, a]) == [a, b]


# --- cache keys -------------------------------------------------------------------------------


def _key(**over):
    base = dict(
        endpoint="http://h/v1", model="m", messages=[{"role": "user", "content": "hi"}], params={"temperature": 0.5, "seed": 1}, schema={"type": "object"}
    )
    base.update(over)
    return request_key(**base)


def test_cache_key_changes_with_everything_that_shapes_a_reply():
    k = _key()
    assert k == _key(endpoint="http://h/v1/")  # same endpoint
    assert k == _key(params={"seed": 1, "temperature": 0.5, "top_p": None})  # None is "not sent"
    others = {
        _key(endpoint="http://other/v1"),
        _key(model="m2"),
        _key(messages=[{"role": "user", "content": "hi!"}]),
        _key(params={"temperature": 0.6, "seed": 1}),
        _key(schema=None),
        _key(extra={"sample": 2}),
    }
    assert k not in others and len(others) == 6


def test_cache_ignores_damaged_entries(tmp_path):
    cache = Cache(tmp_path)
    cache.put("ab" * 32, {"model": "m"}, {"content": "x"})
    assert cache.get("ab" * 32)["response"] == {"content": "x"}
    cache.path("ab" * 32).write_text("{half", encoding="utf-8")
    assert cache.get("ab" * 32) is None
    assert cache.get("cd" * 32) is None


# --- retry waits and secrets ------------------------------------------------------------------


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0.5"}) == 0.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds({"retry-after": future}) <= 31
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_never_comes_before_retry_after_and_is_capped():
    policy = RetryPolicy(backoff=0.01, max_wait=5)
    for attempt in range(1, 5):
        assert policy.wait(attempt, 2.0) >= 2.0
    assert policy.wait(1, 100.0) == 5
    assert policy.wait(30, None) == 5  # far past the cap whatever the jitter


def test_redact_hides_the_key_and_key_shaped_strings(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "plainsecretvalue123")
    assert "plainsecretvalue123" not in redact("bad key plainsecretvalue123 sent")
    assert "sk-proj-abcdef123456" not in redact("Incorrect API key provided: sk-proj-abcdef123456.")


# --- prompts -------------------------------------------------------------------------------------


def test_prompt_carries_rules_concepts_beats_continuity_and_pictures(story_path):  # noqa: F811
    story = load_story(story_path)
    first = chapter_prompt(story, 0)
    system, user = (m["content"] for m in first.messages)
    assert "aged 6 to 8" in system and "at most 14 words" in system
    assert "Chapter 1: The Stuck Cart" in user
    assert "A still cart stays still until something pushes it." in user
    assert "Do NOT say or suggest: Moving things slow down because they get tired." in user
    assert "1. Cassie sees the cart\n2. She pushes with all her might\n3. It rolls" in user
    assert '"force" means a push or a pull' in user
    assert "Cassie pushing the beach cart [full page]" in user
    third_user = chapter_prompt(story, 2).messages[1]["content"]
    assert 'Chapter 1, "The Stuck Cart": Cassie finds that the cart will not move' in third_user
    assert 'Chapter 2, "Rolling Away"' in third_user
    assert set(first.template_hashes) == {"prompts/system.md.j2", "prompts/chapter.md.j2"}
    assert set(first.template_sources.values()) == {"chapterbook"}


def test_a_story_can_override_a_prompt_template(story_path):  # noqa: F811
    story = load_story(story_path)
    before = chapter_prompt(story, 0)
    override = story.root / "templates" / "prompts" / "chapter.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("Write Chapter {{ chapter.number }}: {{ chapter.title }} in rhyme.\n", encoding="utf-8")
    after = chapter_prompt(load_story(story_path), 0)
    assert after.messages[1]["content"] == "Write Chapter 1: The Stuck Cart in rhyme."
    assert after.template_sources["prompts/chapter.md.j2"] == "story"
    assert after.template_hashes["prompts/chapter.md.j2"] != before.template_hashes["prompts/chapter.md.j2"]
    assert after.template_hashes["prompts/system.md.j2"] == before.template_hashes["prompts/system.md.j2"]


# --- prices ------------------------------------------------------------------------------------------


def test_prices():
    assert parse_price("gpt-4o-mini=0.15/0.60") == ("gpt-4o-mini", Price(0.15, 0.60))
    assert parse_price("llama3.2 = 0/0")[1] == Price(0, 0)
    with pytest.raises(UsageError, match="MODEL=INPUT/OUTPUT"):
        parse_price("gpt-4o-mini:0.15")
    assert Price(1.0, 2.0).cost({"prompt_tokens": 1000, "completion_tokens": 500}) == 0.002
    assert Price(1.0, 2.0).cost({"prompt_tokens": None, "completion_tokens": 5}) is None
    openai = "https://api.openai.com/v1"
    assert price_for("gpt-4o-mini", None, {}, openai) == Price(0.15, 0.60)
    assert price_for("x", "gpt-4o-mini-2024-07-18", {}, openai) == Price(0.15, 0.60)
    assert price_for("gpt-4o-mini", None, {}, "http://localhost:11434/v1") is None  # a local model is not billed
    assert price_for("llama", None, {"llama": Price(0, 0)}, "http://localhost:11434/v1") == Price(0, 0)


# --- the reading chain (chapterbook.llm.reading) ---------------------------------------------

CHAPTER_JSON = '{"title": "T", "paragraphs": ["One.", "Two."], "illustrations": []}'


def _read(content):
    return read_reply(content, from_json=chapter_from_json, from_text=read_chapter_text)


def test_reading_chain_ways():
    assert _read(CHAPTER_JSON).read_as == "json"
    assert _read(f"Sure, here it is:\n```json\n{CHAPTER_JSON}\n```\nEnjoy!").read_as == "json-in-chat"
    assert _read(f"Here you go: {CHAPTER_JSON} Hope that helps.").read_as == "json-in-chat"
    text = _read("Sure! Here is chapter 1.\n\n# T\n\nOne.\n\nTwo.\n\nI hope you enjoy it! Let me know if you want changes.")
    assert text.read_as == "text" and text.parsed.paragraphs == ["One.", "Two."]


def test_reasoning_is_kept_apart_and_a_sketch_inside_it_is_not_the_answer():
    sketch = '{"title": "Draft", "paragraphs": ["not this"], "illustrations": []}'
    r = _read(f"<think>Maybe {sketch}? No, shorter.</think>\n{CHAPTER_JSON}")
    assert r.read_as == "json" and r.parsed.title == "T" and sketch in r.reasoning
    r = _read(f"<think>plan {sketch}</think>\nSure! ```json\n{CHAPTER_JSON}\n```")
    assert r.read_as == "json-in-chat" and r.parsed.title == "T"
    r = _read("First I plan the {cart}.\n</think>\n\n# T\n\nOne.")  # Qwen3: the opening tag was in the prompt
    assert r.read_as == "text" and r.reasoning == "First I plan the {cart}." and r.parsed.paragraphs == ["One."]
    only = _read("<think>I will write about a cart and then")  # ran out of tokens while thinking
    assert not only.ok and "only the model's reasoning" in only.error and only.reasoning


def test_split_reasoning_variants():
    assert split_reasoning("no thinking here") == ("no thinking here", None)
    assert split_reasoning("<THINKING>a</THINKING>b") == ("b", "a")
    assert split_reasoning("<think>a</think>x<think>b</think>y") == ("xy", "a\n\nb")


def test_chatter_is_dropped_only_at_the_edges():
    story_end = '# T\n\nCassie pushed.\n\n"Okay," said Mom. "Great job!"\n'
    assert _read(story_end).parsed.paragraphs[-1] == '"Okay," said Mom. "Great job!"'  # a story line, not chat
    fenced = "Here is the chapter:\n\n```markdown\n# T\n\nOne.\n```\n\nLet me know!"
    assert without_chatter(fenced) == "# T\n\nOne.\n"
    assert _read("# T\n\nOne.\n\n---\n\nI hope you like it.").parsed.paragraphs == ["One."]
    assert _read("Okay! Let me write it.\n\n# T\n\nOne.").parsed.paragraphs == ["One."]


def test_unreadable_replies_say_why():
    assert "not valid JSON" in _read('{"title": "T", "paragraphs": [').error
    assert "no chapter heading" in _read("Cassie ran.\n\nShe fell.").error
    assert "chapter shape" in _read('{"title": "T", "paragraphs": "a", "illustrations": []}').error
