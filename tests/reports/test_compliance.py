"""The report's compliance matrix: built from the stored text of a real RFQ, in every format.

The RFQ is the bundled sample ``data/samples/18f_epermit_api_rfq.md`` (18F, public
domain; see data/ATTRIBUTION.md).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from docsieve.settings import Settings
from docsieve.types import DocStatus
from reports.compliance import compliance_sections
from reports.exports import compliance_csv
from storage import repo
from storage.db import open_database

REPO = Path(__file__).resolve().parents[2]
RFQ = REPO / "data" / "samples" / "18f_epermit_api_rfq.md"


def test_compliance_from_storage_in_html_and_csv(settings: Settings, sqlite_url: str) -> None:
    import parsers

    parsed = parsers.parse_file(RFQ, settings)
    db = open_database(sqlite_url)
    with db.session() as s:
        run = repo.start_run(s, "run", root=str(RFQ.parent))
        row = repo.record_document(
            s,
            run_id=run.id or 0,
            path=parsed.path,
            sha256=parsed.sha256,
            size=RFQ.stat().st_size,
            status=DocStatus.OK,
            parsed=parsed,
        )
        doc_id = row.id or 0
    with db.session() as s:
        # -- a contract in the same folder is no part of the compliance matrix --
        (sec,) = compliance_sections(
            s, [(doc_id, parsed.path, "rfp"), (doc_id + 99, "/x/contract.pdf", "contract")]
        )
    db.dispose()
    assert sec.label == "samples" and sec.files == ["18f_epermit_api_rfq.md"]
    assert len(sec.rows) >= 40 and sum(sec.by_category.values()) == len(sec.rows)
    assert sec.anchor == "req-samples"

    table = list(csv.reader(io.StringIO(compliance_csv([sec]))))
    assert len(table) == len(sec.rows) + 1 and table[1][0] == "samples"

    from reports import to_html
    from tests.reports.test_render import _report

    html = to_html(_report().model_copy(update={"compliance": [sec]}))
    assert 'id="compliance"' in html and 'id="req-samples"' in html
    assert html.count("<tr><td>R0") == len(sec.rows)
