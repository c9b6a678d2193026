"""Prompt building: chat messages for instruction-tuned models, a completion transcript for base models."""

from .builder import Prompt, PromptBuilder

__all__ = ["Prompt", "PromptBuilder"]
