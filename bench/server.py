"""gunicorn and the task worker for bench/run.py, and their workers' memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
START_TIMEOUT = 90
FLOOR = "/bench/floor"
WORKERS = 3  # the deployment's setting for 2 cores (README, scripts/run.sh)


class SetupFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (and, with `tasks`, the task worker) in process groups of their own, stopped
    however the run ends. Their output goes to log files, which are searched for errors."""

    def __init__(self, env: dict, log_dir: Path, name: str, *, tasks: bool = False):
        self.port, self.env, self.name = free_port(), env, name
        self.url = f"http://{HOST}:{self.port}"
        self.log = log_dir / f"gunicorn-{name}.log"
        self.task_log = log_dir / f"db_worker-{name}.log"
        self.tasks = tasks
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> Server:
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        args = [
            gunicorn,
            "config.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
            "--capture-output",
        ]
        self._start(args, self.log)
        if self.tasks:
            self._start([PYTHON, "manage.py", "db_worker"], self.task_log)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, args, log: Path) -> None:
        handle = log.open("ab")
        self.procs.append(
            subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=handle,
                start_new_session=True,
            )
        )

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise SetupFailed(f"gunicorn stopped at start:\n{self.log_tail()}")
            try:
                if requests.get(self.url + FLOOR, timeout=2).status_code == 200:
                    if len(self.workers()) >= WORKERS:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SetupFailed(f"gunicorn did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return (
            "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
            if (self.log.exists())
            else ""
        )

    def workers(self) -> list[int]:
        master = self.procs[0].pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def task_pids(self) -> list[int]:
        return [p.pid for p in self.procs[1:] if p.poll() is None]

    def grep(self, pattern: str) -> int:
        found = 0
        for log in (self.log, self.task_log):
            if log.exists():
                found += log.read_text(errors="replace").lower().count(pattern.lower())
        return found

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                _killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the group this script started for that process
    except ProcessLookupError:
        pass


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakMemory:
    """Samples the web and task workers' resident memory every 50 ms while a request runs.
    (Not their lifetime peak, VmHWM: signing in hashes the password with Argon2, which takes
    about 100 MB for a moment and gives it back, and that is not the export's doing.)"""

    def __init__(self, server: Server):
        self.server, self.peak, self.stop = server, 0.0, threading.Event()
        self.before = max([0.0, *(memory_mb(p) for p in self._pids())])

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _pids(self):
        return self.server.workers() + self.server.task_pids()

    def _run(self):
        while not self.stop.is_set():
            self.peak = max([self.peak, *(memory_mb(p) for p in self._pids())])
            self.stop.wait(0.05)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
