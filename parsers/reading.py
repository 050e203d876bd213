"""Open a file once, vet the opened file, and read it from that same descriptor.

Discovery checks paths, but a path can change between the check and the read
(a symlink swapped to point at ``/etc/shadow``: time of check to time of use).
So the checks that matter are made again on the open descriptor, never on the
path: its type (``fstat``: a regular file, so a FIFO or a device cannot block
or flood the read), its size, and its real path (``/proc/self/fd/N`` on Linux;
elsewhere the path's ``realpath`` confirmed by device and inode), which must
lie inside the root the batch was given. The bytes hashed, stored and parsed
are the ones read from that descriptor; nothing reopens the path afterwards.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from docsieve.errors import InputError
from docsieve.settings import Settings

_CHUNK = 1 << 20


@dataclass(frozen=True)
class OpenedFile:
    """The content of one file, read from the descriptor that was vetted."""

    path: Path  # -- as the batch names it --
    real_path: Path  # -- of the opened file, from the descriptor --
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def _fd_path(fd: int, path: Path) -> Path:
    """The real path of the open descriptor ``fd``."""
    proc = Path(f"/proc/self/fd/{fd}")
    try:
        return Path(os.readlink(proc))
    except OSError:
        pass
    # -- no /proc (macOS, BSD): the path's realpath, accepted only when it is the same file --
    real = Path(os.path.realpath(path))
    st, rst = os.fstat(fd), os.stat(real)
    if (st.st_dev, st.st_ino) != (rst.st_dev, rst.st_ino):
        raise InputError("the file changed while it was opened; refusing it", path=path)
    return real


def inside(real: Path, root: Path) -> bool:
    """True when ``real`` is ``root`` or lies under it (both real paths)."""
    return real == root or root in real.parents


def read_checked(path: Path, settings: Settings, root: Path | None = None) -> OpenedFile:
    """Open ``path`` once; refuse it unless the opened file is a regular file of an allowed
    size whose real path lies inside ``root`` (a real path; ``None``: anywhere).

    Raises ``InputError`` (status ``failed``) with the reason.
    """
    path = Path(path)
    # -- O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below --
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(
            f"cannot open file: {exc.strerror or exc}", path=path, kind="transient"
        ) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", path=path)
        real = _fd_path(fd, path)
        if root is not None and not inside(real, root):
            raise InputError(
                f"the file opened is outside the root: {path} leads to {real} "
                f"(changed after discovery?); refused",
                path=path,
            )
        limit = settings.parse.max_file_bytes
        if st.st_size > limit:
            raise InputError(
                f"file too large: {st.st_size} bytes > max_file_bytes {limit}",
                path=path,
                kind="limit",
            )
        data = _read_all(fd, limit, path)
    finally:
        os.close(fd)
    return OpenedFile(path=path, real_path=real, data=data, sha256=hashlib.sha256(data).hexdigest())


def _read_all(fd: int, limit: int, path: Path) -> bytes:
    """Read ``fd`` to its end, refusing more than ``limit`` bytes (the file may be growing)."""
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    parts: list[bytes] = []
    total = 0
    try:
        while block := os.read(fd, _CHUNK):
            total += len(block)
            if total > limit:
                raise InputError(
                    f"file too large: over max_file_bytes {limit} bytes (it grew while read)",
                    path=path,
                    kind="limit",
                )
            parts.append(block)
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror or exc}", path=path, kind="transient"
        ) from None
    return b"".join(parts)
