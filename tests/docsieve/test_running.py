"""Running headers and footers: both passes of docsieve.running on hand-made input."""

from __future__ import annotations

from dataclasses import dataclass

from docsieve.running import running_lines, running_segments
from docsieve.types import Element, ElementKind


@dataclass
class Line:
    text: str
    y0: float
    y1: float
    block: int
    line_no: int


def _page(n: int, body: str) -> list[Line]:
    return [
        Line("ACME SUPPLY AGREEMENT", 20, 30, 0, 0),
        Line(body, 300, 310, 1, 0),
        Line(
            f"The parties agree to the {('first', 'second', 'third')[n - 1]} terms.", 400, 410, 1, 1
        ),
        Line(f"Page {n} of 3", 770, 780, 2, 0),
    ]


def test_running_lines_drop_repeated_margin_lines_and_page_numbers() -> None:
    pages = [_page(i + 1, f"Clause {i + 1} body text differs on every page.") for i in range(3)]
    drop = running_lines(pages, [792.0] * 3)
    assert drop == {(p, b, 0) for p in range(3) for b in (0, 2)}


def test_running_lines_keep_a_single_page() -> None:
    assert running_lines([_page(1, "Body.")[:3]], [792.0]) == set()


def test_running_segments_find_text_recurring_on_many_pages() -> None:
    stamp = "[***] Confidential treatment requested"
    text = ""
    segs: list[tuple[Element, int, int]] = []
    for page in range(1, 5):
        word = ["apples", "pears", "plums", "grapes"][page - 1]
        for body in (f"Clause {page}: the seller ships {word} to the buyer.", stamp):
            start = len(text)
            text += body + "\n\n"
            el = Element(kind=ElementKind.PARAGRAPH, text=body, page=page, start=start, end=start)
            segs.append((el, start, start + len(body)))
    assert running_segments(text, segs, 4) == {1, 3, 5, 7}
    assert running_segments(text, segs, 2) == set()  # -- too few pages to tell --
