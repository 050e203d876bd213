"""Stage 1 for a solicitation package: one selection over the chunks of all its files.

A thin wrapper around :func:`extractors.select.select_document`: the members'
chunks are put end to end, each with its file's name as the first element of
its heading path, and selected as one document, with one budget for the
package. The file name in the heading path keeps a clause from continuing into
the next file (continuation follows heading paths) and tells the scorer which
file a chunk comes from ("RFQ" helps a deadline question). The selected chunks
then get their own heading path back and name their ``file``.

Chunk ids are hashes of the document's content and span, so they stay unique
across the files of a package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from docsieve.packages import PackageRef
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection, QuestionSelection
from docsieve.settings import Settings
from docsieve.types import Chunk
from extractors.base import Scorer


@dataclass(frozen=True)
class PackageMember:
    """One file of a package with its chunks."""

    path: str
    sha256: str
    chunks: list[Chunk]


def package_sha(shas: list[str]) -> str:
    """The package's identity: a hash of its members' hashes, in order."""
    return hashlib.sha256(":".join(shas).encode()).hexdigest()


def select_package(
    package: PackageRef,
    members: list[PackageMember],
    profile: Profile,
    settings: Settings,
    scorer: Scorer | None = None,
    budget_tokens: int | None = None,
) -> DocumentSelection:
    """One selection over the union of the members' chunks, within one package budget."""
    from extractors.select import select_document

    union: list[Chunk] = []
    file_of: dict[str, str] = {}
    heading_of: dict[str, list[str]] = {}
    for m in members:
        name = package.file_name(m.path)
        for c in m.chunks:
            file_of[c.id] = m.path
            heading_of[c.id] = list(c.heading_path)
            union.append(c.model_copy(update={"heading_path": [name, *c.heading_path]}))
    sel = select_document(
        package_sha([m.sha256 for m in members]),
        package.root,
        union,
        profile,
        settings,
        scorer,
        budget_tokens,
    )
    questions = [
        q.model_copy(
            update={
                "chunks": [
                    c.model_copy(
                        update={"file": file_of[c.chunk_id], "heading_path": heading_of[c.chunk_id]}
                    )
                    for c in q.chunks
                ]
            }
        )
        for q in sel.questions
    ]
    return sel.model_copy(update={"questions": questions, "package": package})


def member_selection(
    sel: DocumentSelection, path: str, sha256: str, tokens: int
) -> DocumentSelection:
    """The part of a package selection that came from one file: its ledger share."""
    questions = [
        QuestionSelection(
            question_id=q.question_id,
            threshold=q.threshold,
            chunks=[c for c in q.chunks if c.file == path],
        )
        for q in sel.questions
    ]
    return DocumentSelection(
        document_sha=sha256,
        path=path,
        profile=sel.profile,
        scorer=sel.scorer,
        document_tokens=tokens,
        questions=questions,
        package=sel.package,
    )
