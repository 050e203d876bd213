"""The profile a run picks for each detected type: NDAs get ``nda``, and a document of no
known type is analysed with the ``generic`` profile (and the run item says so), never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from docsieve.profiles import profile_name_for
from docsieve.settings import Settings
from docsieve.types import DocType, DocTypeGuess, ParsedDocument
from flows import stages
from flows.run import run_flow
from flows.runtime import database
from storage import repo
from storage.tables_select import SelectionDocRow
from tests.flows.conftest import REPO, write_contract

AGENDA = """Supplier Day - Agenda

09:00  Welcome and coffee
09:30  Our roadmap for 2025, with slides from the product team
10:15  Break
10:30  Questions from the floor
11:30  Lunch in the atrium, then tours of the new warehouse
"""


def _doc(dtype: DocType | None) -> ParsedDocument:
    guess = DocTypeGuess(doc_type=dtype, confidence=0.9) if dtype else None
    return ParsedDocument(
        path="/in/x.txt", sha256="0", media_type="text/plain", parser="text", text="x",
        pages=1, elements=[], doc_type=guess,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dtype", "profile"),
    [
        (DocType.CONTRACT, "contract"),
        (DocType.NDA, "nda"),
        (DocType.RFP, "rfp"),
        (DocType.SPEC, "rfp"),
        (DocType.OTHER, "generic"),
        (None, "generic"),  # -- never classified --
    ],
)
def test_profile_for_each_type(dtype: DocType | None, profile: str) -> None:
    settings = Settings(data_dir=REPO / "data")
    doc = _doc(dtype)
    chosen = stages.profile_for(doc, settings, None)
    assert chosen.name == profile and chosen.questions
    note = stages.profile_note(doc, None)
    assert (note == "type other: analysed with the generic profile") == (profile == "generic")
    # -- a profile the user names wins, and then nothing needs saying --
    assert stages.profile_for(doc, settings, "contract").name == "contract"
    assert stages.profile_note(doc, "contract") is None


def test_every_type_has_a_shipped_profile() -> None:
    shipped = {p.stem for p in (REPO / "data" / "profiles").glob("*.toml")}
    assert {profile_name_for(t) for t in DocType} <= shipped


def test_run_analyses_an_other_document_with_the_generic_profile(
    tmp_path: Path, flow_settings: Settings
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "agenda.txt").write_text(AGENDA, encoding="utf-8")
    write_contract(folder / "supply.txt", 1)
    summary = run_flow(str(folder), flow_settings)
    by_name = {Path(d.path).name: d for d in summary.documents}
    agenda, supply = by_name["agenda.txt"], by_name["supply.txt"]
    assert agenda.status == "analysed", agenda.reason
    assert agenda.reason is not None
    assert agenda.reason.startswith("type other: analysed with the generic profile")
    assert supply.status == "analysed" and "generic" not in (supply.reason or "")
    with database(flow_settings).session() as s:
        items = {Path(i.path).name: i for i in repo.run_items(s, summary.run_id, stage="analyze")}
        parsed = repo.load_parsed(s, agenda.document_id)
        profiles = {
            Path(r.path).name: r.profile
            for r in s.exec(select(SelectionDocRow).where(SelectionDocRow.run_id == summary.run_id))
        }
    assert items["agenda.txt"].status == "analysed"
    assert items["agenda.txt"].reason == agenda.reason
    assert parsed.doc_type is not None and parsed.doc_type.doc_type == DocType.OTHER
    assert profiles == {"agenda.txt": "generic", "supply.txt": "contract"}
