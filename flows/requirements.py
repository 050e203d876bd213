"""``docsieve requirements``: the compliance matrix of one solicitation package, offline.

Sequences stage 1 only: discover the files under the given paths, parse each,
and hand the parsed files, as one package, to
:func:`extractors.requirements.extract_requirements`. No storage and no API: a
file that cannot be read is listed as skipped with its reason, never a crash.
"""

from __future__ import annotations

import os
from pathlib import Path

from docsieve.errors import InputError
from docsieve.requirements import RequirementSet, SkippedFile
from docsieve.settings import Settings
from docsieve.types import ParsedDocument


def package_root(paths: list[Path]) -> Path:
    """The folder the package's file names are relative to: the one folder given, or the
    common folder of everything given."""
    real = [p.resolve() for p in paths]
    if len(real) == 1 and real[0].is_dir():
        return real[0]
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in real]))


def requirements_for(paths: list[Path], settings: Settings) -> RequirementSet:
    """The requirement statements of the files under ``paths``, read as one package."""
    import parsers
    from extractors.requirements import extract_requirements

    root = package_root(paths)
    docs: list[ParsedDocument] = []
    unread: list[SkippedFile] = []
    for path in paths:
        for found in parsers.discover(path, settings):
            rel = _relative(found.path, root)
            if not found.accepted:
                unread.append(SkippedFile(path=rel, reason=found.reason or str(found.status)))
                continue
            try:
                docs.append(parsers.parse_file(found.path, settings))
            except InputError as exc:  # -- one bad file never stops the package --
                unread.append(SkippedFile(path=rel, reason=str(exc)))
    rs = extract_requirements(docs, root)
    return rs.model_copy(update={"skipped": (*rs.skipped, *unread)})


def _relative(path: Path, root: Path) -> str:
    real = path.resolve()
    return real.relative_to(root).as_posix() if real.is_relative_to(root) else path.name
