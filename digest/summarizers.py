"""Which summarizer a deployment uses: a model when one is configured, the extractive one otherwise."""

from __future__ import annotations

from bot.settings import Settings
from digest.extractive import ExtractiveSummarizer
from digest.model import Summarizer

# A catch-up is composed in the background: a slow model may take a while, but not hold a tick.
LLM_TIMEOUT_SECONDS = 30.0
# No retries: a retry would sleep inside the tick; a failed channel falls back to extractive at once.
LLM_MAX_RETRIES = 0


def build_summarizer(settings: Settings, *, max_points: int = 12) -> Summarizer:
    """The LLM summarizer (extractive as its fallback) when `settings.llm_enabled`, else the extractive one."""
    extractive = ExtractiveSummarizer(max_points=max_points)
    model = settings.handoff_llm_model
    if not settings.llm_enabled or model is None:
        return extractive
    # Imported only when a model is configured: the openai package takes longer to import than the
    # rest of Handoff, and `handoff tick` from cron starts a process every minute.
    import openai

    from digest.llm import LLMSummarizer

    client = openai.OpenAI(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        timeout=LLM_TIMEOUT_SECONDS,
        max_retries=LLM_MAX_RETRIES,
    )
    return LLMSummarizer(client=client, model=model, fallback=extractive, max_points=max_points)
