"""Find the files to ingest under a folder (or one file), safely.

Walks recursively in sorted order. Links are followed only when they stay
inside the given root; a link out of it, a link loop, a broken link and an
oversized file are reported as ``failed``; an unsupported type or a hidden
entry as ``skipped``. Every real folder is visited at most once, so the walk
always ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docsieve.settings import Settings
from docsieve.types import DocStatus


@dataclass(frozen=True)
class Found:
    """One file met by :func:`discover`: accepted (``status is None``) or rejected."""

    path: Path
    status: DocStatus | None = None
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is None


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _resolve(path: Path) -> tuple[Path | None, str | None]:
    """The real path, or (None, reason) for a loop or a broken link."""
    try:
        return path.resolve(strict=True), None
    except RuntimeError:  # -- Python < 3.13 raises RuntimeError on a symlink loop --
        return None, "symlink loop"
    except FileNotFoundError:
        return None, "broken link: its target does not exist"
    except OSError as exc:
        if exc.errno == 40:  # -- ELOOP --
            return None, "symlink loop"
        return None, f"cannot resolve link: {exc.strerror}"


def _check_file(path: Path, real: Path, settings: Settings) -> Found:
    ext = path.suffix.lower()
    if ext not in settings.parse.extensions:
        kind = f"'{ext}'" if ext else "(no extension)"
        return Found(path, DocStatus.SKIPPED, f"unsupported file type {kind}")
    size = real.stat().st_size
    if size > settings.parse.max_file_bytes:
        return Found(
            path,
            DocStatus.FAILED,
            f"file too large: {size} bytes > max_file_bytes {settings.parse.max_file_bytes}",
        )
    return Found(path)


def discover(root: Path, settings: Settings) -> Iterator[Found]:
    """Yield every file under ``root`` (or ``root`` itself when it is a file)."""
    root = Path(root)
    real_root, why = _resolve(root)
    if real_root is None:
        yield Found(root, DocStatus.FAILED, why or "cannot resolve path")
        return
    if real_root.is_file():
        yield _check_file(root, real_root, settings)
        return
    if not real_root.is_dir():
        yield Found(root, DocStatus.SKIPPED, "not a regular file or folder")
        return
    visited: set[Path] = {real_root}
    stack: list[tuple[Path, Path]] = [(root, real_root)]
    while stack:
        shown_dir, real_dir = stack.pop()
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError as exc:
            yield Found(shown_dir, DocStatus.FAILED, f"cannot list folder: {exc.strerror}")
            continue
        subdirs: list[tuple[Path, Path]] = []
        for entry in entries:
            shown = shown_dir / entry.name
            if entry.name.startswith("."):
                yield Found(shown, DocStatus.SKIPPED, "hidden file or folder")
                continue
            real = Path(entry.path)
            if entry.is_symlink():
                if not settings.parse.follow_symlinks:
                    yield Found(shown, DocStatus.SKIPPED, "symbolic link (follow_symlinks is off)")
                    continue
                target, why = _resolve(real)
                if target is None:
                    yield Found(shown, DocStatus.FAILED, why)
                    continue
                if not _inside(target, real_root):
                    yield Found(shown, DocStatus.FAILED, f"link leads outside the root: {target}")
                    continue
                real = target
            try:
                is_dir = real.is_dir()
            except OSError as exc:
                yield Found(shown, DocStatus.FAILED, f"cannot stat: {exc.strerror}")
                continue
            if is_dir:
                if real in visited:
                    yield Found(
                        shown,
                        DocStatus.FAILED,
                        "symlink loop: the folder it leads to is already being walked",
                    )
                    continue
                visited.add(real)
                subdirs.append((shown, real))
            elif real.is_file():
                yield _check_file(shown, real, settings)
            else:
                yield Found(shown, DocStatus.SKIPPED, "not a regular file")
        # -- depth-first, in name order --
        stack.extend(reversed(subdirs))
