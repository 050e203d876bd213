"""Run reports: built from storage, rendered from Jinja2 templates.

Sits between ``storage`` (which it reads) and ``flows`` (which publish and
print reports). :func:`build_report` makes one :class:`RunReport`; the
renderers in :mod:`reports.render` write JSON, CSV, Markdown and HTML.
"""

from reports.model import FUNNEL, DocumentLine, RunReport, build_report, summary_dict
from reports.render import answers_csv, documents_csv, to_html, to_json, to_markdown

__all__ = [
    "FUNNEL",
    "DocumentLine",
    "RunReport",
    "answers_csv",
    "build_report",
    "documents_csv",
    "summary_dict",
    "to_html",
    "to_json",
    "to_markdown",
]
