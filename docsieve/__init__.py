"""docsieve ground floor: settings, shared typed data, token counting and errors.

This package imports no stage. Every stage (parsers, chunkers, extractors,
analyzers, storage, flows) imports from here, never the other way round.
"""

__version__ = "0.1.0"
