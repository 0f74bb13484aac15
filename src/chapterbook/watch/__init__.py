"""`chapterbook watch`: rebuild the preview (and optionally the PDF) on every save, and reload the browser.

Three small parts, each usable alone:
- :mod:`.changes` notices that a story's files changed (polling their signatures);
- :mod:`.session` rebuilds what changed and keeps the last good build with the current problems;
- :mod:`.server` serves that build on 127.0.0.1 and tells open pages to reload (server-sent events).
"""
