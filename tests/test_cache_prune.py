"""The picture cache keeps what the book uses: a full build removes the pictures nothing needs any more."""

from __future__ import annotations

import os
import time

from PIL import Image

from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image


def _cached(out) -> set[str]:
    return {p.name for p in (out / ".cache" / "images").glob("*.jpg")}


def _age(out, seconds: float) -> None:
    """Make every cached picture look `seconds` old, as if the last build were that long ago."""
    then = time.time() - seconds
    for p in (out / ".cache" / "images").glob("*.jpg"):
        os.utime(p, (then, then))


def test_a_replaced_picture_leaves_the_cache_and_the_others_stay(tmp_path):
    root = tmp_path / "story"
    story = load_story(make_story(root))  # images/cart.png, in the interior and the preview
    out = build(story, None, tmp_path / "out").out_dir
    first = _cached(out)
    assert len(first) == 2  # its print size and its preview size
    _age(out, 3600)
    build(story, None, tmp_path / "out")
    assert _cached(out) == first  # all still used: nothing removed, all marked as used again
    _age(out, 3600)
    write_image(root / "images" / "cart.png", colour=(20, 200, 90))  # the illustrator sends a new version
    Image.new("RGB", (8, 8)).save(out / ".cache" / "images" / "notes.jpg")  # not one of the cache's own
    build(load_story(root / "story.yaml"), None, tmp_path / "out")
    now = _cached(out)
    assert len(now) == 3 and not (now - {"notes.jpg"}) & first  # the old version's two sizes are gone
    assert (out / ".cache" / "images" / "layout.json").exists() and (out / ".cache" / "images" / "sources.json").exists()


def test_a_partial_build_removes_nothing(tmp_path):
    story = load_story(make_story(tmp_path / "story"))
    out = build(story, None, tmp_path / "out").out_dir
    before = _cached(out)
    _age(out, 3600)
    build(story, ["pdf"], tmp_path / "out")  # does not make the preview, so cannot know it is still wanted
    assert _cached(out) == before
