"""A file is opened once and vetted on its descriptor: its type, size and real path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docsieve.errors import InputError
from docsieve.settings import Settings
from parsers import read_checked

SECRET = "root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash"


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.txt").write_text("1. TERM\n\nThis Agreement runs for two years.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(SECRET + "\n")
    os.symlink(root / "real.txt", root / "doc.txt")  # -- inside the root: accepted --
    return root, outside / "passwd.txt"


def test_read_checked_vets_the_descriptor(tmp_path: Path) -> None:
    root, secret = _tree(tmp_path)
    settings = Settings()
    opened = read_checked(root / "doc.txt", settings, root.resolve())
    assert opened.real_path == (root / "real.txt").resolve()
    assert opened.data.startswith(b"1. TERM")
    with pytest.raises(InputError, match="outside the root"):
        read_checked(secret, settings, root.resolve())
    # -- a FIFO is refused at once, without waiting for a writer --
    os.mkfifo(root / "pipe.txt")
    with pytest.raises(InputError, match="not a regular file"):
        read_checked(root / "pipe.txt", settings, root.resolve())
    with pytest.raises(InputError, match="max_file_bytes") as info:
        read_checked(root / "real.txt", Settings(parse={"max_file_bytes": 5}), root.resolve())
    assert info.value.kind == "limit"
