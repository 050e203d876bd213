"""A solicitation is one package (ADR 0010): the real TalentMAP RFQ and PWS, run as one.

Stage 1 ranks the sections of both files in one selection; stage 2 answers once for the
package, through the local Anthropic wire-format server or the offline extractive
analyzer; citations name file, section and page; the ledger counts each file and the
package.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import select

from docsieve.packages import PackageMode
from docsieve.settings import Settings
from flows.analyze import analyze_flow
from flows.run import run_flow
from flows.runtime import database
from flows.select import select_flow
from storage.calls_repo import run_analyses
from storage.tables_analysis import ModelCallRow
from storage.tables_ledger import LedgerRow
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI

SAMPLES = Path(__file__).resolve().parent / "packages" / "talentmap"
RFQ, PWS = "Attachment1_RFQ.md", "Attachment2_PWS.md"
FAST: dict[str, Any] = {"timeout_s": 5, "max_retries": 1, "backoff_base_s": 0.01}


@pytest.fixture
def talentmap(tmp_path: Path) -> Path:
    folder = tmp_path / "talentmap"
    shutil.copytree(SAMPLES, folder)
    return folder


def _bm25(settings: Settings) -> Settings:
    # -- the lexical scorer: the package logic is under test here, not the dense model --
    return settings.model_copy(
        update={"select": settings.select.model_copy(update={"scorer": "bm25"})}
    )


def _api(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "anthropic_api_key": SecretStr(ANTHROPIC_KEY),
            "anthropic_base_url": url,
            "analyze": settings.analyze.model_copy(update=FAST),
        }
    )


def _ledger(settings: Settings, run_id: int) -> list[LedgerRow]:
    with database(settings).session() as s:
        return list(s.exec(select(LedgerRow).where(LedgerRow.run_id == run_id)))


def test_package_is_one_request_with_sections_of_both_files(
    talentmap: Path, flow_settings: Settings
) -> None:
    with FakeAPI() as api:
        settings = _api(_bm25(flow_settings), api.url)
        summary = run_flow(str(talentmap), settings)
        messages = api.calls("/v1/messages")
    [res] = summary.documents
    assert res.status == "analysed" and res.label == "talentmap"
    assert [Path(f).name for f in res.files] == [RFQ, PWS]  # -- the RFQ leads --
    # -- one stage-2 call for the two files; its sections name both files --
    assert len(messages) == 1
    body = str(messages[0].body)
    assert f'file=\\"{RFQ}\\"' in body or f'file="{RFQ}"' in body
    assert f'file=\\"{PWS}\\"' in body or f'file="{PWS}"' in body
    with database(settings).session() as s:
        [analysis] = run_analyses(s, summary.run_id)
        calls = list(s.exec(select(ModelCallRow).where(ModelCallRow.run_id == summary.run_id)))
    assert analysis.package is not None and analysis.label == "talentmap"
    assert analysis.document_id == res.document_id and len(calls) == 1
    assert analysis.request is not None
    assert {sec.file for sec in analysis.request.sections} == {RFQ, PWS}
    cites = [c for a in analysis.answers for c in a.citations]
    assert cites and all(c.file in (RFQ, PWS) and c.section and c.page_start >= 1 for c in cites)

    # -- ledger: stage 1 per file, stage 2 once, on the lead, all under the package --
    rows = _ledger(settings, summary.run_id)
    assert {r.package_id for r in rows} == {res.package_id}
    by_stage: dict[str, list[LedgerRow]] = {}
    for r in rows:
        by_stage.setdefault(r.stage, []).append(r)
    assert len(by_stage["document"]) == len(by_stage["select"]) == 2
    assert [r.document_id for r in by_stage["analyze"]] == [res.document_id]
    assert by_stage["analyze"][0].tokens_in == calls[0].input_tokens
    assert sum(r.tokens_in for r in by_stage["select"]) == res.selected_tokens
    assert all(r.tokens_in > 0 for r in by_stage["select"])  # -- both files contributed --
    assert sum(r.tokens_in for r in by_stage["document"]) == res.document_tokens
    assert res.selected_tokens < res.document_tokens  # -- one budget for the package --
    assert by_stage["baseline"][0].tokens_in > by_stage["analyze"][0].tokens_in


def test_package_mode_none_answers_each_file_alone(
    talentmap: Path, flow_settings: Settings
) -> None:
    with FakeAPI() as api:
        settings = _api(_bm25(flow_settings), api.url)
        summary = run_flow(str(talentmap), settings, package=PackageMode.NONE)
        assert len(api.calls("/v1/messages")) == 2
    assert sorted(Path(d.path).name for d in summary.documents) == [RFQ, PWS]
    assert all(d.label is None and d.package_id is None for d in summary.documents)
    assert {r.package_id for r in _ledger(settings, summary.run_id)} == {None}


def test_select_then_analyze_keeps_the_package(talentmap: Path, flow_settings: Settings) -> None:
    with FakeAPI() as api:
        settings = _api(_bm25(flow_settings), api.url)
        sel = select_flow(str(talentmap), settings, "rfp")
        [selection] = sel.selections
        assert selection.package is not None and selection.package.label == "talentmap"
        assert {Path(c.file or "").name for c in selection.union_chunks()} == {RFQ, PWS}
        done = analyze_flow(sel.run_id, settings)
    [analysis] = done.analyses
    assert analysis.package == selection.package
    assert any(c.file == RFQ for a in analysis.answers for c in a.citations)


@pytest.mark.slow  # -- ~30 s: the offline extractive analyzer loads spaCy and reads 14k tokens --
def test_offline_package_answers_the_deadline_from_the_rfq_not_the_pws(
    talentmap: Path, tmp_path: Path, flow_settings: Settings
) -> None:
    settings = _bm25(flow_settings)
    summary = run_flow(str(talentmap), settings)
    [res] = summary.documents
    assert res.label == "talentmap" and len(res.files) == 2
    with database(settings).session() as s:
        [analysis] = run_analyses(s, summary.run_id)
    deadline = analysis.answer("submission_deadline")
    assert deadline is not None and deadline.found
    assert "February 24, 2017" in deadline.answer
    [cite] = deadline.citations
    assert cite.file == RFQ and cite.section and cite.page_start == 1

    # -- the PWS alone has no submission deadline: it must not "answer" one --
    alone = tmp_path / "pws_alone"
    alone.mkdir()
    shutil.copy(talentmap / PWS, alone / PWS)
    single = run_flow(str(alone), settings)
    assert single.documents[0].label is None
    with database(settings).session() as s:
        pws = next(a for a in run_analyses(s, single.run_id))
    pws_deadline = pws.answer("submission_deadline")
    assert pws_deadline is not None
    assert "February 24, 2017" not in pws_deadline.answer
    assert all(c.file is None for c in pws_deadline.citations)
