"""Typed data of learning from stage 2: what one answer said about the sections it was sent.

``storage.feedback_repo`` mines these from the stored analyses of past runs;
``extractors.feedback`` turns them into training pairs for ``docsieve train``.
For one question of one request, the sections the model cited are evidence
(positives) and the sections it was sent but did not cite are not (negatives).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from docsieve.analysis import Section

SCHEMA_VERSION = 1


class CitedQuestion(BaseModel):
    """One question of one stage-2 request: the sections cited for it and the rest sent."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    run_id: int | None = None
    document_id: int | None = None
    document_sha: str
    question_id: str
    question: str
    description: str = ""
    model: str | None = None
    cited: list[Section]
    # -- chunk id -> the quotes the answer gave for it: they point at the evidence inside --
    quotes: dict[str, list[str]] = Field(default_factory=dict)
    # -- sent but not cited: first those selected for this question, then the others --
    uncited: list[Section] = Field(default_factory=list)
