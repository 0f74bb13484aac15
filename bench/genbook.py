"""A generator of varied bench books: prose across sciences, PNG and JPEG pictures of many sizes, diagrams.

    PYTHONPATH=src python bench/genbook.py OUT_DIR --size 120 [--seed 7]

`--size` is the rough page count: 30, 120 or 450 (any number works; chapters
scale with it). Each book has about 1.5 pictures a chapter, half of them PNG
(palette, RGBA, RGB) and half JPEG, 1,100 to 4,800 px on the long side, aspect
ratios from 1:2 to 2:1, in every placement (opener, full, half, spot), some
placed with a marker in the text and some with `after_paragraph`; about every
third chapter also has a diagram (each kind in turn). The same seed and size
always give the same book, byte for byte, so a folder made once is reused
(`manifest.json` says what is in it).

`html_for(story_dir)` writes the same book as one HTML file with print CSS, for
WeasyPrint; `markdown_sources(story_dir)` lists the chapter texts for
python-markdown.
"""

from __future__ import annotations

import argparse
import html
import json
import random
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "src" / "chapterbook" / "fonts"
VERSION = 3  # bumped when the generator's output changes, so an old folder is made again
WORDS_PER_PAGE = 140  # measured: about 140 words of prose per 6x9 page, pictures aside
PICTURES_PER_CHAPTER = 1.5

SCIENCES = {
    "light": ("light", "shadow", "mirror", "prism", "rainbow", "lamp", "window", "sunbeam"),
    "plants": ("seed", "root", "leaf", "sprout", "flower", "pot", "soil", "stem"),
    "water": ("puddle", "cloud", "raindrop", "bucket", "ice cube", "steam", "river", "kettle"),
    "sound": ("drum", "echo", "string", "whistle", "bell", "tube", "cup phone", "voice"),
    "space": ("moon", "star", "planet", "rocket", "telescope", "comet", "orbit", "crater"),
    "forces": ("cart", "ramp", "ball", "rope", "wheel", "slide", "swing", "magnet"),
}
NAMES = ("Mila", "Tomas", "Aiko", "Dev", "Grandma Rosa", "Mr. Obi", "Zara", "Finn")
VERBS = ("looked at", "pushed", "tested", "measured", "drew", "held up", "counted", "watched", "tipped", "filled")
ADJ = ("tiny", "shiny", "heavy", "wobbly", "bright", "muddy", "cold", "warm", "round", "striped")
SAY = ("said", "asked", "whispered", "shouted", "laughed", "wondered")
PLACEMENTS = ("half", "half", "spot", "full")
ASPECTS = (0.5, 0.66, 0.75, 1.0, 1.0, 1.33, 1.5, 2.0)
DIAGRAMS = ("force_arrows", "gravity", "motion_path", "action_reaction", "ramp")


def _sentence(rng: random.Random, things: tuple[str, ...]) -> str:
    who, what = rng.choice(NAMES), rng.choice(things)
    kind = rng.random()
    if kind < 0.25:
        line = f"Why does the {rng.choice(ADJ)} {what} do that"
        return f"\u201c{line}?\u201d {who} {rng.choice(SAY)}."
    if kind < 0.35:
        return f"{who} {rng.choice(VERBS)} the *{rng.choice(ADJ)}* {what} -- and then it happened again!"
    if kind < 0.42:
        return f"The **{what}** was {rng.choice(ADJ)}, {rng.choice(ADJ)} and {rng.choice(ADJ)}..."
    extra = f" next to the {rng.choice(ADJ)} {rng.choice(things)}" if rng.random() < 0.5 else ""
    return f"{who} {rng.choice(VERBS)} the {rng.choice(ADJ)} {what}{extra}."


def _paragraph(rng: random.Random, things: tuple[str, ...]) -> str:
    return " ".join(_sentence(rng, things) for _ in range(rng.randint(2, 5)))


def _picture(rng: random.Random, path_stem: Path) -> Path:
    """Write one illustration (PNG palette/RGBA/RGB or JPEG) and return its path."""
    from PIL import Image, ImageDraw

    long_side = rng.randint(1100, 4800)
    aspect = rng.choice(ASPECTS)
    w, h = (long_side, max(64, int(long_side / aspect))) if aspect >= 1 else (max(64, int(long_side * aspect)), long_side)
    kind = rng.choice(("png-p", "png-rgba", "png-rgb", "jpeg", "jpeg", "jpeg"))
    # Drawn small and scaled up: flat digital art (PNG) or textured painted art (JPEG).
    sw, sh = max(32, w // 4), max(32, h // 4)
    img = Image.new("RGB", (sw, sh), tuple(rng.randint(120, 250) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y, r = rng.randint(0, sw), rng.randint(0, sh), rng.randint(4, max(8, sw // 5))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(30, 30, 30), width=2)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour, outline=(30, 30, 30), width=2)
    if kind == "jpeg":  # painted or scanned art: texture, drawn small like the shapes (full-size noise is slow to make)
        img = Image.blend(img, Image.effect_noise((sw, sh), 40).convert("RGB"), 0.15)
    img = img.resize((w, h), Image.Resampling.BICUBIC)
    if kind == "png-p":
        path = path_stem.with_suffix(".png")
        img.quantize(64).save(path)
    elif kind == "png-rgba":
        path = path_stem.with_suffix(".png")
        alpha = Image.new("L", (w, h), 0)
        ImageDraw.Draw(alpha).ellipse((w // 20, h // 20, w - w // 20, h - h // 20), fill=255)
        img.putalpha(alpha)
        img.save(path, compress_level=6)
    elif kind == "png-rgb":
        path = path_stem.with_suffix(".png")
        img.save(path, compress_level=6)
    else:
        path = path_stem.with_suffix(".jpg")
        img.save(path, quality=rng.choice((85, 90, 95)))
    return path


def make_book(out: Path, size: int, seed: int = 7) -> Path:
    """Write a book of about `size` pages into `out` (reused when already made); returns its story.yaml."""
    manifest = out / "manifest.json"
    want = {"version": VERSION, "size": size, "seed": seed}
    try:
        if json.loads(manifest.read_text())["book"] == want:
            return out / "story.yaml"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rng = random.Random(f"{seed}-{size}")
    (out / "chapters").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(parents=True, exist_ok=True)
    # A chapter of 5-9 pages: a short book has few, a long one many (each starts on a recto).
    chapters = max(3, round(size / 7.5))
    words_per_chapter = int(size * WORDS_PER_PAGE * 0.78 / chapters)
    sciences = list(SCIENCES)
    yaml_chapters, pictures = [], []
    n_pictures = round(chapters * PICTURES_PER_CHAPTER)
    counts = [1] * chapters
    for ci in rng.sample(range(chapters), n_pictures - chapters):
        counts[ci] += 1
    for ci in range(chapters):
        things = SCIENCES[sciences[ci % len(sciences)]]
        paragraphs, words = [], 0
        target = int(words_per_chapter * rng.uniform(0.6, 1.4))
        while words < target:
            p = _paragraph(rng, things)
            paragraphs.append(p)
            words += len(p.split())
        ills = []
        for k in range(counts[ci]):
            ill_id = f"c{ci + 1}-p{k + 1}"
            path = _picture(rng, out / "images" / ill_id)
            pictures.append(path.name)
            placement = "opener" if k == 0 and rng.random() < 0.5 else rng.choice(PLACEMENTS)
            ills.append((ill_id, placement, f"images/{path.name}", None))
        if ci % 3 == 1:
            ills.append((f"c{ci + 1}-d", "half", None, DIAGRAMS[(ci // 3) % len(DIAGRAMS)]))
        lines = [f"  - title: {sciences[ci % len(sciences)].title()} day {ci + 1}", f"    text_file: chapters/ch{ci + 1:03d}.md", "    illustrations:"]
        body = list(paragraphs)
        for ill_id, placement, image, diagram in ills:
            lines += [f"      - id: {ill_id}", f"        brief: A picture of the {rng.choice(things)}.", f"        placement: {placement}"]
            if image:
                lines.append(f"        image: {image}")
            if diagram:
                lines += ["        diagram:", f"          kind: {diagram}", f"          object: {rng.choice(things)}"]
            if placement == "opener":
                continue
            if rng.random() < 0.5:  # marked in the text
                body.insert(rng.randint(1, len(body)), f"[illustration: {ill_id}]")
            else:
                lines.append(f"        after_paragraph: {rng.randint(0, len(paragraphs))}")
        (out / "chapters" / f"ch{ci + 1:03d}.md").write_text("\n\n".join(body) + "\n", encoding="utf-8")
        yaml_chapters.append("\n".join(lines) + "\n")
    (out / "story.yaml").write_text(
        "spec_version: 1\nbook:\n  title: The Generated Book\n  authors: [Bench Writer]\nchapters:\n"
        + "".join(yaml_chapters)
        + "back_matter: {glossary: false, meet_the_scientist: false, activities: false, questions: false}\n"
        + "layout: {trim: 6x9}\n",
        encoding="utf-8",
    )
    manifest.write_text(json.dumps({"book": want, "chapters": chapters, "pictures": pictures}, indent=1))
    return out / "story.yaml"


def markdown_sources(story_dir: Path) -> list[Path]:
    """The chapter files, in order."""
    return sorted((story_dir / "chapters").glob("ch*.md"))


def _diagram_svg(kind: str, label: str) -> str:
    """A small inline SVG standing for a diagram (arrows and a label), as an HTML pipeline would draw it."""
    arrows = {"force_arrows": 4, "gravity": 1, "motion_path": 2, "action_reaction": 2, "ramp": 2}[kind]
    parts = ['<svg class="diagram" viewBox="0 0 400 240" xmlns="http://www.w3.org/2000/svg">']
    parts.append('<rect x="150" y="90" width="100" height="60" fill="#fc6" stroke="black" stroke-width="3"/>')
    for i in range(arrows):
        x = 60 + i * 90
        parts.append(f'<line x1="{x}" y1="200" x2="{x + 60}" y2="200" stroke="black" stroke-width="4"/>')
        parts.append(f'<polygon points="{x + 60},190 {x + 75},200 {x + 60},210" fill="black"/>')
    parts.append(f'<text x="200" y="40" text-anchor="middle" font-family="Andika" font-size="20">{html.escape(label)}</text></svg>')
    return "".join(parts)


def html_for(story_path: Path, out: Path) -> Path:
    """Write the book as one HTML file with print CSS (for WeasyPrint) at `out`; returns it."""
    from chapterbook.book import chapter_flow
    from chapterbook.spec.load import load_story
    from chapterbook.text import inline_markup

    story = load_story(story_path)
    parts = []
    for ci, chapter in enumerate(story.spec.chapters):
        parts.append(f'<section class="chapter"><p class="num">Chapter {ci + 1}</p><h1>{html.escape(chapter.title)}</h1>')
        opener, flow = chapter_flow(story, ci)

        def picture(ill, cls: str) -> str:
            if ill.image:
                return f'<img class="{cls}" src="{(story.root / ill.image).as_uri()}">'
            return _diagram_svg(ill.diagram.kind.value, ill.diagram.object)

        if opener is not None:
            parts.append(picture(opener, "opener"))
        for item in flow:
            if item.kind == "illustration":
                parts.append(picture(item.illustration, item.illustration.placement.value))
            elif item.kind not in ("marker",):
                parts.append(f"<p>{inline_markup(item.text, bold='strong', italic='em', quotes=True)}</p>")
        parts.append("</section>")
    faces = "".join(
        f"@font-face {{ font-family: Andika; font-weight: {wt}; font-style: {st}; src: url({(FONT_DIR / f'Andika-{name}.ttf').as_uri()}); }}\n"
        for name, wt, st in (("Regular", "normal", "normal"), ("Bold", "bold", "normal"), ("Italic", "normal", "italic"), ("BoldItalic", "bold", "italic"))
    )
    css = f"""{faces}
    @page {{ size: 6in 9in; bleed: 0.125in; margin: 0.7in 0.55in 0.75in 0.375in;
             @bottom-center {{ content: counter(page); font-family: Andika; font-size: 11pt; }}
             @top-center {{ content: "The Generated Book"; font-family: Andika; font-size: 10pt; }} }}
    @page :left {{ margin-left: 0.55in; margin-right: 0.375in; }}
    @page :right {{ margin-left: 0.375in; margin-right: 0.55in; }}
    body {{ font-family: Andika; font-size: 15pt; line-height: 22.5pt; color: black; hyphens: manual; }}
    p {{ margin: 0 0 10pt 0; orphans: 2; widows: 2; }}
    .chapter {{ break-before: right; }}
    h1 {{ text-align: center; font-size: 27pt; }}
    .num {{ text-align: center; color: #666; }}
    img, svg {{ display: block; margin: 0 auto 10pt auto; object-fit: contain; break-inside: avoid; }}
    img.opener {{ width: 100%; max-height: 3.4in; }}
    img.half, svg.diagram {{ width: 100%; max-height: 3.6in; }}
    img.full {{ width: 100%; max-height: 7.3in; break-before: page; }}
    img.spot {{ width: 40%; max-height: 2.5in; }}
    """
    out.write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>The Generated Book</title><style>{css}</style></head>"
        f"<body>{''.join(parts)}</body></html>",
        encoding="utf-8",
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=120, help="rough page count (30, 120, 450)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--html", action="store_true", help="also write book.html for WeasyPrint")
    args = parser.parse_args()
    story = make_book(args.out, args.size, args.seed)
    if args.html:
        html_for(story, args.out / "book.html")
    print(story)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
