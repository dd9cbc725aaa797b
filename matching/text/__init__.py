"""Text analysis for keyword search: Korean morphemes and English stems (see :mod:`.tokenize`)."""

from matching.text.tokenize import Analyzer, QueryWord, default_analyzer

__all__ = ["Analyzer", "QueryWord", "default_analyzer"]
