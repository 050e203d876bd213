"""Walking a folder: unsupported types, link loops, links out of the root, big files."""

from __future__ import annotations

import os
from pathlib import Path

from docsieve.settings import Settings
from docsieve.types import DocStatus
from parsers import discover


def test_discover_reports_every_file(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.pdf").write_bytes(b"%PDF-1.7")
    (root / "sub" / "b.md").write_text("# B")
    (root / "sub" / "deeper" / "c.txt").write_text("c")
    (root / "photo.jpg").write_bytes(b"\xff\xd8")
    (root / "big.txt").write_text("x" * 5000)
    (root / ".hidden.txt").write_text("h")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside / "secret.txt", root / "leak.txt")
    os.symlink(outside, root / "leakdir")
    os.symlink(root / "loop2", root / "loop1")
    os.symlink(root / "loop1", root / "loop2")
    os.symlink(root, root / "sub" / "up")  # -- a link back up the tree --
    os.symlink(root / "sub" / "b.md", root / "alias.md")  # -- inside the root: fine --
    os.symlink(root / "missing.txt", root / "broken.txt")

    found = {
        f.path.relative_to(root).as_posix(): f
        for f in discover(root, Settings(parse={"max_file_bytes": 1000}))
    }
    accepted = sorted(k for k, f in found.items() if f.accepted)
    assert accepted == ["a.pdf", "alias.md", "sub/b.md", "sub/deeper/c.txt"]
    assert found["photo.jpg"].status == DocStatus.SKIPPED
    assert "unsupported" in (found["photo.jpg"].reason or "")
    assert found["big.txt"].status == DocStatus.FAILED
    assert "too large" in (found["big.txt"].reason or "")
    assert found[".hidden.txt"].status == DocStatus.SKIPPED
    for name in ("leak.txt", "leakdir"):
        assert found[name].status == DocStatus.FAILED
        assert "outside the root" in (found[name].reason or "")
    for name in ("loop1", "loop2", "sub/up"):
        assert found[name].status == DocStatus.FAILED
        assert "loop" in (found[name].reason or "")
    assert "broken link" in (found["broken.txt"].reason or "")


def test_discover_single_file_and_missing_path(tmp_path: Path) -> None:
    f = tmp_path / "one.md"
    f.write_text("# one")
    assert [x.accepted for x in discover(f, Settings())] == [True]
    missing = list(discover(tmp_path / "nope", Settings()))
    assert missing[0].status == DocStatus.FAILED


def test_links_not_followed_when_disabled(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# a")
    os.symlink(tmp_path / "a.md", tmp_path / "b.md")
    found = {f.path.name: f for f in discover(tmp_path, Settings(parse={"follow_symlinks": False}))}
    assert found["a.md"].accepted
    assert found["b.md"].status == DocStatus.SKIPPED
