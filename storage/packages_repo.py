"""Queries on solicitation packages (ADR 0010): save a run's packages, read them back."""

from __future__ import annotations

from sqlmodel import Session, col, select

from docsieve.packages import PackageRef
from storage.tables_select import PackageRow


def _ref(row: PackageRow) -> PackageRef:
    return PackageRef(
        id=row.id, label=row.label, root=row.root, files=list(row.files), rule=row.rule
    )


def save_package(
    s: Session,
    run_id: int,
    *,
    label: str,
    root: str,
    rule: str,
    document_ids: list[int],
    files: list[str],
) -> PackageRef:
    """Store a package of ``run_id`` (lead document first); a resumed run keeps its row."""
    row = s.exec(
        select(PackageRow).where(PackageRow.run_id == run_id, PackageRow.root == root)
    ).first()
    if row is None:
        row = PackageRow(run_id=run_id, root=root, label=label, lead_document_id=document_ids[0])
    row.label, row.rule = label, rule
    row.lead_document_id = document_ids[0]
    row.document_ids, row.files = list(document_ids), list(files)
    s.add(row)
    s.flush()
    return _ref(row)


def package_ref(s: Session, package_id: int) -> PackageRef | None:
    row = s.get(PackageRow, package_id)
    return _ref(row) if row else None


def run_packages(s: Session, run_id: int) -> list[tuple[PackageRef, list[int]]]:
    """A run's packages with their member document ids (lead first), in stored order."""
    rows = s.exec(
        select(PackageRow).where(PackageRow.run_id == run_id).order_by(col(PackageRow.id))
    ).all()
    return [(_ref(r), list(r.document_ids)) for r in rows]
