"""Stage 1's selections as JSON for ``docsieve select --json``: per document, per question."""

from __future__ import annotations

from typing import Any

from docsieve.selection import DocumentSelection


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
