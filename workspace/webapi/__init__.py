"""The Slack Web API methods the fake answers: one function per method, by family."""

# Importing each family registers its methods in METHODS.
from . import chat, people, views
from .base import METHODS, Context, Params

__all__ = ["METHODS", "Context", "Params", "chat", "people", "views"]
