"""The one seam between chapterbook and language models.

- :mod:`.endpoint`: which server, the key, and hiding secrets in everything written or printed
- :mod:`.retry`: how hard to try (attempts, backoff, Retry-After, timeouts)
- :mod:`.backend`: the backend protocol (one HTTP exchange) and the request type every caller builds
- :mod:`.openai_compat`: the backend for any OpenAI-compatible server (OpenAI, Ollama, llama.cpp, vLLM, LM Studio)
- :mod:`.wire`: the typed shape of a server's reply, checked before anything reads or caches it
- :mod:`.reading`: the chain that turns a model's reply into the caller's structure
- :mod:`.cache`: the content-addressed cache of requests and replies
- :mod:`.client`: :class:`ChatClient`, which puts them together; drafting and compare's judge share it

Nothing here imports ``openai`` until a request is actually sent: it takes
seconds to import, and every other command must stay quick.
"""
