"""Black-and-white interiors: pictures stored in grey, a warning naming those that were in colour, the build's summary line."""

from __future__ import annotations

import subprocess

from render_fixtures import make_story, write_image


def _image_colours(pdf) -> list[str]:
    rows = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [r.split()[5] for r in rows]


def test_a_colour_picture_in_a_black_and_white_book_is_grey_with_a_warning_at_its_line(tmp_path, cli):
    root = tmp_path / "story"
    path = make_story(root)  # paper white by default; images/cart.png is orange and blue
    for attempt in ("cold", "warm"):  # a rebuild from the cache still says so
        result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
        assert result.code == 0, result.err
        line = path.read_text().splitlines().index("        image: images/cart.png") + 1
        assert f"story.yaml:{line}:9: warning: chapters[0].illustrations[1].image: picture 'cart.png' is in colour; " in result.err, attempt
        assert "this black-and-white interior (paper: white) prints it in grey" in result.err
    assert _image_colours(tmp_path / "out" / "story" / "book.pdf") == ["gray"]


def test_grey_pictures_and_colour_interiors_get_no_warning(tmp_path, cli):
    root = tmp_path / "story"
    make_story(root)
    write_image(root / "images" / "cart.png", colour=(128, 128, 128))
    from PIL import Image

    with Image.open(root / "images" / "cart.png") as img:  # the stripes grey too
        img.convert("L").convert("RGB").save(root / "images" / "cart.png")
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "grey"), cwd=root)
    assert result.code == 0 and "is in colour" not in result.err
    colour = tmp_path / "colourbook"
    make_story(colour, layout="layout:\n  paper: color\n")
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "c"), cwd=colour)
    assert result.code == 0 and "is in colour" not in result.err
    assert _image_colours(tmp_path / "c" / "colourbook" / "book.pdf") == ["rgb"]
    assert "colour interior on color paper" in result.out


def test_the_build_prints_one_summary_line_with_the_print_figures(tmp_path, cli):
    root = tmp_path / "story"
    make_story(root, layout="layout:\n  trim: 5.5x8.5\n  paper: cream\n")
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
    assert result.code == 0, result.err
    pdf = tmp_path / "out" / "story" / "book.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    spine = pages * 0.0025  # cream paper
    cover_w = 2 * 5.5 + spine + 0.25
    lines = [line for line in result.out.splitlines() if line.startswith(f"{pages} pages")]
    assert lines == [
        f"{pages} pages, trim 5.5 x 8.5 in, black and white interior on cream paper, spine {spine:.3f} in, full cover {cover_w:.3f} x 8.750 in with bleed"
    ]
