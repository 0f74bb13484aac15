"""Drafting chapters with a language model through any OpenAI-compatible endpoint.

- :mod:`chapterbook.draft.client`: the retrying, caching chat client (also used by compare's judge)
- :mod:`chapterbook.draft.cache`: the content-addressed request cache
- :mod:`chapterbook.draft.prompts`: Jinja prompt templates filled from the story spec
- :mod:`chapterbook.draft.reply`: the structured chapter reply and the plain-text fallback parser
- :mod:`chapterbook.draft.run`: runs, files, run.json, cost estimates

Nothing here imports ``openai`` until a request is actually sent: it takes
seconds to import, and every other command must stay quick.
"""
