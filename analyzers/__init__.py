"""Stage 2: the strong model answers the profile's questions from the selected sections.

Entry points: :func:`analyze_document`, :func:`analyze_documents` (batch mode),
:class:`Analyzer` (share one chain over a run) and :func:`replay`. Providers
live behind :class:`analyzers.base.Provider`, registered by name.
"""

from analyzers.api import Analyzer, analyze_document, analyze_documents
from analyzers.base import Provider, get_provider, primary_spec, provider_names
from analyzers.replay import AnswerDiff, DocumentReplay, ReplayReport, diff_answers, replay

__all__ = [
    "Analyzer",
    "AnswerDiff",
    "DocumentReplay",
    "Provider",
    "ReplayReport",
    "analyze_document",
    "analyze_documents",
    "diff_answers",
    "get_provider",
    "primary_spec",
    "provider_names",
    "replay",
]
