"""Leases: one owner at a time for a run, and for each stage-2 slot, lapsing when it dies.

A lease is a row of ``leases`` (name, owner, expiry in epoch seconds). It is
taken with an INSERT, or with a compare-and-swap UPDATE when the lease it
replaces has expired or its owner is a dead process on this host, so two
processes racing for it cannot both win, on SQLite or PostgreSQL. The
holder's :class:`LeaseKeeper` (one daemon thread per process and database)
renews its leases while it works; a process killed with SIGKILL stops
renewing, and its leases lapse after ``ttl`` seconds, or at once for the
next process on the same host, which sees that the owner's pid is gone.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from docsieve.errors import ConfigError
from storage.db import Database
from storage.tables_ledger import LeaseRow

TTL_S = 30.0


class LeaseHeldError(ConfigError):
    """Another live process owns the lease (a second ``run`` on the same folder)."""


@dataclass(frozen=True)
class Holder:
    name: str
    owner: str
    run_id: int | None
    expires_at: float

    def describe(self) -> str:
        host, pid = [*self.owner.split(":"), "?", "?"][:2]
        until = time.strftime("%H:%M:%S", time.localtime(self.expires_at))
        run = f"run {self.run_id}, " if self.run_id is not None else ""
        return f"{run}pid {pid} on {host}, lease renewed until {until}"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks (Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "0"


@cache
def _process_owner(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def process_owner() -> str:
    """This process as an owner: host, pid and start time (pids are reused)."""
    return _process_owner(os.getpid())


def new_owner() -> str:
    """A distinct owner within this process (one per slot holder or run)."""
    return f"{process_owner()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` is a process of this host that no longer runs."""
    parts = owner.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname():
        return False  # -- another host: only the expiry tells --
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _start_time(pid) != parts[2]


def _holder(row: LeaseRow) -> Holder:
    return Holder(row.name, row.owner, row.run_id, row.expires_at)


def try_acquire(
    db: Database, name: str, owner: str, *, ttl: float = TTL_S, run_id: int | None = None
) -> tuple[bool, Holder | None]:
    """Take ``name`` for ``owner``.

    Returns (True, the lapsed lease it replaced or None) or (False, the live holder).
    """
    now = time.time()
    with db.session() as s:
        row = s.get(LeaseRow, name)
        current = _holder(row) if row is not None else None
    if current is None:
        try:
            with db.session() as s:
                s.add(
                    LeaseRow(
                        name=name, owner=owner, run_id=run_id, acquired_at=now, expires_at=now + ttl
                    )
                )
            return True, None
        except IntegrityError:  # -- another process inserted it first --
            with db.session() as s:
                row = s.get(LeaseRow, name)
                if row is None:
                    return False, None
                current = _holder(row)
    if current.owner != owner and current.expires_at > now and not owner_is_dead(current.owner):
        return False, current
    t = LeaseRow.__table__  # type: ignore[attr-defined]
    with db.session() as s:
        # -- compare-and-swap on the owner we saw: of two racers, one wins --
        res = s.connection().execute(
            update(t)
            .where(t.c.name == name, t.c.owner == current.owner)
            .values(owner=owner, run_id=run_id, acquired_at=now, expires_at=now + ttl)
        )
    if res.rowcount == 1:
        return True, (current if current.owner != owner else None)
    with db.session() as s:
        row = s.get(LeaseRow, name)
        return False, _holder(row) if row is not None else None


def renew(db: Database, held: dict[str, str], ttl: float = TTL_S) -> set[str]:
    """Push the expiry of each (name, owner) in ``held``; the names still held."""
    t = LeaseRow.__table__  # type: ignore[attr-defined]
    kept: set[str] = set()
    with db.session() as s:
        for name, owner in held.items():
            res = s.connection().execute(
                update(t)
                .where(t.c.name == name, t.c.owner == owner)
                .values(expires_at=time.time() + ttl)
            )
            if res.rowcount == 1:
                kept.add(name)
    return kept


def set_run(db: Database, name: str, owner: str, run_id: int) -> None:
    """Name the run a held lease works on (shown to a process that finds it taken)."""
    t = LeaseRow.__table__  # type: ignore[attr-defined]
    with db.session() as s:
        s.connection().execute(
            update(t).where(t.c.name == name, t.c.owner == owner).values(run_id=run_id)
        )


def release(db: Database, name: str, owner: str) -> None:
    t = LeaseRow.__table__  # type: ignore[attr-defined]
    with db.session() as s:
        s.connection().execute(delete(t).where(t.c.name == name, t.c.owner == owner))


class LeaseKeeper:
    """Renews this process's leases on one database from a daemon thread."""

    def __init__(self, db: Database, ttl: float = TTL_S) -> None:
        self.db, self.ttl = db, ttl
        self.held: dict[str, str] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, name: str, owner: str) -> None:
        with self._lock:
            self.held[name] = owner
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="docsieve-leases", daemon=True
                )
                self._thread.start()

    def drop(self, name: str) -> None:
        with self._lock:
            owner = self.held.pop(name, None)
        if owner is not None:
            release(self.db, name, owner)

    def _loop(self) -> None:
        while True:
            time.sleep(self.ttl / 3)
            with self._lock:
                held = dict(self.held)
            if held:
                try:
                    renew(self.db, held, self.ttl)
                except Exception:  # -- a database hiccup: the next round tries again --
                    continue


_keepers: dict[tuple[int, str], LeaseKeeper] = {}


def keeper(db: Database) -> LeaseKeeper:
    """The keeper of this process (after a fork, a new one) for ``db``."""
    key = (os.getpid(), db.url)
    if key not in _keepers:
        _keepers[key] = LeaseKeeper(db)
    return _keepers[key]


@contextmanager
def slot(db: Database, limit_name: str, limit: int, *, poll_s: float = 0.1) -> Iterator[str]:
    """Hold one of ``limit`` slots named ``limit_name`` (across processes) while inside."""
    owner = new_owner()
    keep = keeper(db)
    while True:
        for k in range(limit):
            name = f"slot:{limit_name}:{k}"
            ok, _ = try_acquire(db, name, owner, ttl=keep.ttl)
            if ok:
                keep.add(name, owner)
                try:
                    yield name
                finally:
                    keep.drop(name)
                return
        time.sleep(poll_s)
