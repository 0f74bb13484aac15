"""Drafting chapters with a language model through any OpenAI-compatible endpoint.

- :mod:`chapterbook.draft.prompts`: Jinja prompt templates filled from the story spec
- :mod:`chapterbook.draft.reply`: the chapter reply (JSON shape, Markdown out, the plain-text chapter reader)
- :mod:`chapterbook.draft.run`: runs, files, the plan of requests
- :mod:`chapterbook.draft.records`: the typed records run.json is written from
- :mod:`chapterbook.draft.prices`: cost estimates

Talking to the server (retries, the cache, reading replies) is the shared LLM
seam, :mod:`chapterbook.llm`; ``chapterbook.draft.client`` re-exports it for
older imports. Nothing here imports ``openai`` until a request is actually
sent: it takes seconds to import, and every other command must stay quick.
"""
