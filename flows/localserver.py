"""The local Prefect server: started once in the background, reused by every command.

Without ``PREFECT_API_URL``, Prefect runs each flow on a temporary server that
lives as long as the command: 10-40 s of start-up per command on a 2-core
machine, and the runs vanish with it, so the UI has nothing to show. docsieve
instead starts ``prefect server start`` once, detached, with its database in
``<home>/prefect`` (next to docsieve's own), records its pid and URL in
``<home>/prefect/server.json``, and points every later command at it. The
server outlives the command on purpose; ``docsieve server stop`` ends it (the
whole process group, after checking the pid is still that server).

This module reads no settings file and imports no Prefect: it must stay cheap,
because every command that runs a flow calls :func:`ensure` first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from docsieve.errors import DocsieveError

DEFAULT_PORT = 4200
START_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    port: int
    url: str  # -- the API URL: http://127.0.0.1:PORT/api --
    log: str

    @property
    def ui(self) -> str:
        return self.url.removesuffix("/api")


def folder(home: Path) -> Path:
    return home.resolve() / "prefect"


def _state_file(home: Path) -> Path:
    return folder(home) / "server.json"


def healthy(url: str, timeout: float = 2.0) -> bool:
    """The server answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _is_our_server(pid: int) -> bool:
    """The pid is alive and still runs ``prefect server start`` (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # -- no /proc (macOS): trust the live pid --
    words = [w.decode(errors="replace") for w in cmdline]
    return "prefect" in words and "server" in words and "start" in words


def status(home: Path) -> ServerInfo | None:
    """The recorded server, if its process is alive (healthy or still starting)."""
    path = _state_file(home)
    try:
        info = ServerInfo(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return info if _is_our_server(info.pid) else None


def _free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(home: Path, port: int | None = None, timeout: float = START_TIMEOUT_S) -> ServerInfo:
    """Start the server (or return the running one) and wait until it answers."""
    running = status(home)
    if running is not None:
        _wait(running, timeout)
        return running
    where = folder(home)
    where.mkdir(parents=True, exist_ok=True)
    chosen = _free_port(port or DEFAULT_PORT)
    log = where / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_HOME=str(where),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="true",
    )
    cmd = [sys.executable, "-m", "prefect", "server", "start"]
    cmd += ["--host", "127.0.0.1", "--port", str(chosen)]
    with open(log, "ab") as out:
        # -- a session of its own: the server must outlive this command (that is its job),
        #    and `docsieve server stop` ends its whole process group --
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=where,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    info = ServerInfo(proc.pid, chosen, f"http://127.0.0.1:{chosen}/api", str(log))
    _state_file(home).write_text(json.dumps(asdict(info)))
    _wait(info, timeout, proc)
    return info


def _wait(info: ServerInfo, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(info.url):
            return
        if proc is not None and proc.poll() is not None:
            raise DocsieveError(
                f"the local Prefect server exited with code {proc.returncode}; see {info.log}"
            )
        time.sleep(0.5)
    raise DocsieveError(
        f"the local Prefect server did not answer within {timeout:.0f} s; see {info.log}"
    )


def stop(home: Path, timeout: float = 20.0) -> ServerInfo | None:
    """Stop the recorded server (its process group); None when none was running."""
    info = status(home)
    _state_file(home).unlink(missing_ok=True)
    if info is None:
        return None
    try:
        os.killpg(info.pid, signal.SIGTERM)
    except ProcessLookupError:
        return info
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _is_our_server(info.pid):
        time.sleep(0.2)
    if _is_our_server(info.pid):
        os.killpg(info.pid, signal.SIGKILL)
    return info
