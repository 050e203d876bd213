"""Stage 1 as JSON: ``docsieve chunk --json`` and ``docsieve select --json``."""

from __future__ import annotations

from typing import Any

from docsieve.selection import DocumentSelection
from docsieve.types import Chunk


def selections_dict(run_id: int, selections: list[DocumentSelection]) -> dict[str, Any]:
    """The sections each question needs, with scores, pages, spans and token totals."""
    return {
        "run_id": run_id,
        "documents": [
            {
                "path": sel.path,
                "profile": sel.profile,
                "document_tokens": sel.document_tokens,
                "selected_tokens": sel.selected_tokens,
                "fraction": round(sel.fraction, 4),
                "questions": [
                    {
                        "question_id": q.question_id,
                        "tokens": q.tokens,
                        "sections": [
                            {
                                "chunk_id": c.chunk_id,
                                "text": c.text,
                                "score": round(c.score, 4),
                                "tokens": c.tokens,
                                "pages": [c.page_start, c.page_end],
                                "span": [c.start, c.end],
                                "heading_path": c.heading_path,
                            }
                            for c in q.chunks
                        ],
                    }
                    for q in sel.questions
                ],
            }
            for sel in selections
        ],
    }


def chunks_list(chunks: list[Chunk]) -> list[dict[str, Any]]:
    """Each chunk with its text, heading path, pages, span, tokens and kind."""
    return [
        {
            "id": c.id,
            "text": c.text,
            "heading_path": c.heading_path,
            "pages": [c.page_start, c.page_end],
            "span": [c.start, c.end],
            "tokens": c.tokens,
            "kind": c.kind,
        }
        for c in chunks
    ]
