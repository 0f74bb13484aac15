"""Progress of a build, as the command line shows it: stages in order, pictures counted to the end."""

from __future__ import annotations

import threading

from chapterbook import progress
from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import make_story


def test_a_build_reports_its_stages_and_counts_every_picture(tmp_path):
    story = load_story(make_story(tmp_path / "story"))  # one picture in the interior
    events, threads = [], set()
    lock = threading.Lock()

    def listen(stage, done, total):
        with lock:
            events.append((stage, done, total))
            threads.add(threading.current_thread().name.split("_")[0])

    with progress.reporting(listen):
        build(story, None, tmp_path / "out")
    stages = [s for s, done, total in events if total is None]
    assert stages[:3] == ["Writing the manuscript", "Writing the HTML preview", "Making the print PDFs"]
    assert stages[3:] == ["Laying out the pages"] * (len(stages) - 5) + ["Making the cover", "Checking the PDFs for print"]
    counted = [(done, total) for s, done, total in events if s == "Preparing pictures"]
    assert counted and max(d for d, _ in counted) == 1  # the interior's picture, resampled and counted
    assert any(name.startswith("resample") for name in threads)  # reported as it finished, on its worker
    events.clear()
    build(story, None, tmp_path / "out")  # nobody listening: nothing reported, nothing breaks
    assert events == []


def test_a_warm_build_has_no_pictures_to_count(tmp_path):
    story = load_story(make_story(tmp_path / "story"))
    build(story, ["pdf"], tmp_path / "out")
    events = []
    with progress.reporting(lambda *e: events.append(e)):
        build(story, ["pdf"], tmp_path / "out")
    assert not [e for e in events if e[0] == "Preparing pictures"]
    assert [e[0] for e in events] == ["Making the print PDFs", "Laying out the pages", "Making the cover", "Checking the PDFs for print"]
