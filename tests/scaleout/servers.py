"""Start real app servers (gunicorn, as `make serve` does) and the task worker as subprocesses.

Used by tests/scaleout and bench/load.py. No Django import: each process reads its configuration
from the environment built here, the same production settings (`ISG_ENV=production`) a real
deployment uses, except plain HTTP on loopback (`ISG_SECURE_SSL_REDIRECT=0`: the reverse proxy is
where TLS would end).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A PostgreSQL URL from Django's DATABASES entry (the pytest-django test database, say)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or HOST
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def environment(database: str, redis_url: str, **extra: str) -> dict[str, str]:
    """One environment for every server and the worker: they must share the secret to share sessions."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ISG_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "isg.settings",
        "ISG_ENV": "production",
        "ISG_DEBUG": "0",
        "ISG_SECRET_KEY": secrets.token_urlsafe(64),
        # Production refuses to start without an anchor key and file (isg/audit/anchors.py); nothing here anchors.
        "ISG_AUDIT_ANCHOR_KEY": secrets.token_urlsafe(48),
        "ISG_AUDIT_ANCHOR_PATH": str(Path(tempfile.gettempdir()) / "isg-scaleout-anchors.jsonl"),
        "ISG_ALLOWED_HOSTS": HOST,
        "ISG_SECURE_SSL_REDIRECT": "0",
        "ISG_LOG_LEVEL": "WARNING",
        "ISG_WORKER_HEARTBEAT_SECONDS": "2",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


@dataclass
class Process:
    name: str
    process: subprocess.Popen
    log: Path
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: the gunicorn master and every worker, with no goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass
        else:
            # Workers left behind by a master that died first.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def _spawn(name: str, command: list[str], env: dict[str, str], log_dir: Path, port: int = 0) -> Process:
    log = log_dir / f"{name}.log"
    handle = log.open("wb")
    # Its own session (process group), so kill() reaches the workers gunicorn forks.
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    handle.close()
    return Process(name, process, log, port)


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def collect_static(env: dict[str, str]) -> None:
    """`collectstatic`, as `make serve` runs it, unless the manifest is newer than every static file."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    # One at a time: test modules on parallel pytest workers (and a load run) may get here together.
    with open(Path(tempfile.gettempdir()) / "isg-collectstatic.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest.exists() and all(p.stat().st_mtime < manifest.stat().st_mtime for p in sources):
            return
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def start_app(name: str, env: dict[str, str], log_dir: Path, *, workers: int = 2, threads: int = 2) -> Process:
    port = free_port()
    command = [str(BIN / "gunicorn"), "isg.wsgi", "--config", "python:isg.ops.gunicorn", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--threads", str(threads), "--control-socket", str(log_dir / f"{name}.ctl")]
    return _spawn(name, command, env, log_dir, port)


def start_worker(env: dict[str, str], log_dir: Path, *, settings_module: str = "") -> Process:
    worker_env = {**env, "DJANGO_SETTINGS_MODULE": settings_module} if settings_module else dict(env)
    # These tests count mail and audit events: the housekeeping schedule (its own tests) stays off here.
    worker_env.setdefault("ISG_HOUSEKEEPING_SECONDS", "0")
    command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    return _spawn("worker", command, worker_env, log_dir)


def readiness(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (OSError, ValueError):
        return 0, {}


def wait_ready(servers: list[Process], processes: list[Process], timeout: float = 120) -> None:
    """Until every server's /readyz says ready (database, cache, migrations) and that the worker beats; fails
    with the logs. (The worker does not decide readiness, but these tests need it running.)"""
    until = time.monotonic() + timeout
    waiting = list(servers)
    last = {}
    while waiting and time.monotonic() < until:
        for process in processes:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited ({process.process.returncode}):\n{process.tail()}")
        for server in list(waiting):
            status, body = readiness(server.url)
            last[server.name] = (status, body)
            if status == 200 and body.get("worker") in ("ok", "not used"):
                waiting.remove(server)
        time.sleep(0.2)
    if waiting:
        logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes)
        raise RuntimeError(f"not ready after {timeout:.0f} s: {last}\n{logs}")


def stop_all(processes: list[Process]) -> None:
    for process in processes:
        process.stop()
