"""Fixtures for the parser tests: PDFs and other files built by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docsieve.settings import Settings

HEADER = "ACME Corp. Confidential - Master Services Agreement"
PARA1 = (
    "This Master Services Agreement is entered into by and between\n"
    "ACME Corp. and Widget Inc. The parties agree to the terms of this agree-"
)
PARA1_NEXT = "ment, which governs every order placed under it."


def build_contract_pdf(path: Path, pages: int = 3) -> Path:
    """A small contract PDF: title, numbered bold headings, a ruled table, header/footer."""
    doc = pymupdf.open()
    for pno in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 40), HEADER, fontsize=9, fontname="helv")
        page.insert_text((280, 815), f"Page {pno + 1} of {pages}", fontsize=9, fontname="helv")
        y = 100.0
        if pno == 0:
            page.insert_text((150, y), "MASTER SERVICES AGREEMENT", fontsize=20, fontname="hebo")
            y += 50
        page.insert_text(
            (72, y), f"ARTICLE {['I', 'II', 'III', 'IV'][pno % 4]}", fontsize=12, fontname="hebo"
        )
        y += 30
        page.insert_text((72, y), f"Section {pno + 1}.1 Definitions", fontsize=10, fontname="hebo")
        y += 25
        page.insert_text((72, y), PARA1 + "\n" + PARA1_NEXT, fontsize=10, fontname="helv")
        y += 55
        page.insert_text(
            (72, y),
            "(a) the first listed obligation of the supplier;",
            fontsize=10,
            fontname="helv",
        )
        y += 30
        if pno == 1:
            # -- a ruled 3 x 3 table --
            xs, ys = [72, 222, 372, 522], [y, y + 20, y + 40, y + 60]
            for x in xs:
                page.draw_line((x, ys[0]), (x, ys[-1]))
            for yy in ys:
                page.draw_line((xs[0], yy), (xs[-1], yy))
            cells = [
                ["Item", "Price", "Due"],
                ["Support", "100 USD", "Monthly"],
                ["Hosting", "250 USD", "Yearly"],
            ]
            for r, row in enumerate(cells):
                for c, text in enumerate(row):
                    page.insert_text((xs[c] + 4, ys[r] + 14), text, fontsize=10, fontname="helv")
            y += 80
        page.insert_text(
            (72, y),
            "The supplier shall deliver the services described in each order with due care.",
            fontsize=10,
            fontname="helv",
        )
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def contract_pdf(tmp_path: Path) -> Path:
    return build_contract_pdf(tmp_path / "msa.pdf")
