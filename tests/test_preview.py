"""The HTML preview shows the book's typography as the print does: typographer's quotes where it has them."""

from __future__ import annotations

import re

from chapterbook.manuscript import render_manuscript, render_preview
from chapterbook.spec.load import load_story
from conftest import BROKEN

TEXT = """\"Look!\" said Maya. It's *her* ball, and \"*that* one\" is Sam's...

Maya <b>wrote</b> & drew 5 > 3."""


def _story(tmp_path, book_extra: str = "", layout: str = ""):
    source = (BROKEN / "valid/story.yaml").read_text()
    source = source.replace("  title: The Rolling Ball\n", '  title: Maya\'s "Rolling" Ball\n' + book_extra)
    source = source.replace(
        "    text: |\n      Maya rolled a ball across the floor. It kept going!\n",
        "    text: |\n" + "".join(f"      {line}\n" if line else "\n" for line in TEXT.splitlines()) + '    questions: ["Why didn\'t it stop?"]\n',
    )
    (tmp_path / "story.yaml").write_text(source + layout, encoding="utf-8")
    return load_story(tmp_path / "story.yaml")


def _body(html: str) -> str:
    return html.split("<body>", 1)[1]


def test_the_preview_sets_typographers_quotes_like_the_print(tmp_path):
    html = _body(render_preview(_story(tmp_path)))
    assert "<h1>Maya’s “Rolling” Ball</h1>" in html
    assert "“Look!” said Maya. It’s <em>her</em> ball, and “<em>that</em> one” is Sam’s…" in html
    assert "Maya &lt;b&gt;wrote&lt;/b&gt; &amp; drew 5 &gt; 3." in html  # still escaped, never markup
    assert "<li>Why didn’t it stop?</li>" in html
    assert not re.search(r"&#3[49];|[\"']", re.sub(r"<[^>]*>", "", html).split("Illustration")[0])


def test_the_manuscript_keeps_what_was_typed(tmp_path):
    md = render_manuscript(_story(tmp_path))
    assert '"Look!" said Maya. It\'s *her* ball' in md and "’" not in md and "“" not in md


def test_switched_off_or_another_language_keeps_straight_quotes(tmp_path):
    off = _body(render_preview(_story(tmp_path, layout="layout: {smart_quotes: false}\n")))
    german = _body(render_preview(_story(tmp_path, book_extra="  language: de\n")))
    for html in (off, german):
        assert "“" not in html and "’" not in html
        assert "It&#39;s <em>her</em> ball" in html or "It's <em>her</em> ball" in html


def _picture_story(tmp_path, image_name: str):
    from render_fixtures import make_story

    illustrations = f"""
    illustrations:
      - id: pic
        brief: A picture.
        image: images/{image_name}
        placement: half
"""
    return load_story(make_story(tmp_path / "story", chapters=["One.\n\n[illustration: pic]\n\nTwo."], illustrations=illustrations))


def _inlined(html: str) -> dict:
    import base64
    import io

    from PIL import Image

    found = {}
    for ident, data in re.findall(r'id="ill-([^"]+)">\s*<img src="data:image/jpeg;base64,([^"]+)"', html):
        found[ident] = Image.open(io.BytesIO(base64.b64decode(data)))
    return found


def test_preview_pictures_go_through_the_print_pipeline_and_are_cached(tmp_path, monkeypatch):
    from PIL import Image

    from chapterbook.manuscript import write_preview
    from chapterbook.render import images

    (tmp_path / "story" / "images").mkdir(parents=True)
    ramp = Image.new("I;16", (1800, 1200))
    ramp.putdata([x * 36 for x in range(1800)] * 1200)  # a 16-bit grey ramp, as a scanner saves pencil art
    ramp.save(tmp_path / "story" / "images" / "scan.png")
    story = _picture_story(tmp_path, "scan.png")
    out = tmp_path / "out"
    html = write_preview(story, out)["preview"].read_text()
    pic = _inlined(html)["pic"]
    assert pic.size == (900, 600)  # at most 900 px on a side, shape kept
    r, g, b = pic.convert("RGB").getpixel((450, 300))
    assert r == g == b and 100 < r < 155  # mid-grey in the middle, not the white of a clipped 16-bit image
    # A rebuild takes the picture from the cache.
    monkeypatch.setattr(images, "_run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("decoded again")))
    assert write_preview(story, out)["preview"].read_text() == html


def test_a_damaged_picture_is_left_to_its_placeholder_in_the_preview(tmp_path):
    (tmp_path / "story" / "images").mkdir(parents=True)
    (tmp_path / "story" / "images" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 20)
    html = render_preview(_picture_story(tmp_path, "bad.png"))
    assert _inlined(html) == {} and 'class="placeholder"' in html
