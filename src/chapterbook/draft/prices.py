"""What a draft cost: per-model prices, the user's --price, and the estimate for one reply."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from chapterbook.errors import UsageError


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float

    def cost(self, usage: dict[str, int | None]) -> float | None:
        """The estimated cost of a reply in US dollars, or None when the server did not say how many tokens."""
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if prompt is None or completion is None:
            return None
        return round((prompt * self.input + completion * self.output) / 1_000_000, 6)


# OpenAI's list prices (USD per million tokens) when this was written; override with --price.
# Used only for api.openai.com: a local server's model costs nothing per token.
OPENAI_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
}


def parse_price(text: str) -> tuple[str, Price]:
    """'MODEL=INPUT/OUTPUT' (USD per million tokens) -> (model, Price); raises UsageError in plain words."""
    m = re.fullmatch(r"\s*(?P<model>[^=]+?)\s*=\s*\$?(?P<input>\d+(?:\.\d*)?)\s*/\s*\$?(?P<output>\d+(?:\.\d*)?)\s*", text)
    if not m:
        raise UsageError(
            f"--price '{text}' is not in the form MODEL=INPUT/OUTPUT",
            hint="give dollars per million tokens, e.g. --price gpt-4o-mini=0.15/0.60 (or 0/0 for a free local model)",
        )
    price = Price(float(m.group("input")), float(m.group("output")))
    if not (math.isfinite(price.input) and math.isfinite(price.output)):
        raise UsageError(f"--price '{text}' has a number too large to be a price", hint="give dollars per million tokens, e.g. gpt-4o-mini=0.15/0.60")
    return m.group("model"), price


def price_for(model: str, returned_model: str | None, prices: dict[str, Price], base_url: str) -> Price | None:
    """The price of a model: the user's --price first, then OpenAI's list for api.openai.com; None if unknown."""
    for name in (model, returned_model):
        if name and name in prices:
            return prices[name]
    if urlparse(base_url).hostname == "api.openai.com":
        for name in (model, returned_model):
            if name and name in OPENAI_PRICES:
                return OPENAI_PRICES[name]
        if returned_model:  # 'gpt-4o-mini-2024-07-18' is priced as 'gpt-4o-mini'
            matches = [k for k in OPENAI_PRICES if returned_model.startswith(k + "-")]
            if matches:
                return OPENAI_PRICES[max(matches, key=len)]
    return None
