"""The partnership's ten-year volume on this machine: pages, exports and load, on SQLite and
PostgreSQL, each against a floor view measured the same way in the same run.

    python bench/run.py [--scale 1] [--engines sqlite,postgresql] [--requests 40] ...

For each engine: a fresh database with the ten-year data set (`seed_demo --scale`, built by
bench/manage_bench.py), queries per page and the plan of each page's slowest query counted
in-process, then gunicorn on 127.0.0.1 with the deployment's settings (3 sync workers) and:

1. every signed-in list and dashboard timed over HTTP, each request followed by one to the
   floor view (`/bench/floor`: one indexed 25-row query, bench/floor.py), so that whatever
   else the machine is doing hits both alike; p50, p95 and p95 ÷ the floor's p95;
2. the all-actions export in each format, with the time and the web and task workers' peak
   memory;
3. "a working day at its peak" (open loop) and saturation (closed loop) with bench/load.py,
   and the workers' memory after them against a worker that served only the floor view;
4. the library search benchmark (bench/search_bench.py) on the same catalogue.

Each goal is a check; the last line is `bench: N of M checks pass`. Exit status 0 whatever
the timings; 1 if a page did not answer 200; 2 if the set-up failed; 130 if interrupted.
PostgreSQL needs DATABASE_URL (a server the run may create databases on:
`scripts/pg_throwaway.sh run ...`); without it PostgreSQL is skipped and said so.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import load  # noqa: E402
import search_bench  # noqa: E402

RESULTS = BENCH / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
EMAIL = "business.unit@northvale.example"
PASSWORD = "northvale-demo-2026"  # the demo password (sightline.core.demo.DEMO_PASSWORD)
STEP_TIMEOUT = 1800
START_TIMEOUT = 90
FLOOR = "/bench/floor"
WORKERS = 3  # the deployment's setting for 2 cores (README, scripts/run.sh)
BUILD_LIMIT_S = 180
PAGE_RATIO, PAGE_MS = 10, 100
PEAK_SIGNED_MS, PEAK_PUBLIC_MS = 300, 100
SATURATION_RATIO, MEMORY_RATIO, EXPORT_MB = 0.1, 2.0, 150
SEARCH_MS = 50

# (key, path); {action}, {case} and {last} are filled from the database.
PAGES = [
    ("home", "/app/"),
    ("my actions", "/app/actions/"),
    ("all actions", "/app/actions/all/"),
    ("overdue actions", "/app/actions/all/?status=overdue"),
    ("all actions, last page", "/app/actions/all/?page={last}"),
    ("action plans", "/app/actions/plans/"),
    ("reviews dashboard", "/app/reviews/"),
    ("yearly case summary", "/app/reviews/summary/"),
    ("users", "/app/settings/users/"),
    ("agencies", "/app/settings/agencies/"),
    ("notifications", "/app/notifications/"),
    ("briefings", "/app/briefings/"),
    ("briefing reach", "/app/briefings/dashboard/"),
    ("publication plans", "/app/publishing/"),
    ("one action", "/app/actions/{action}/"),
    ("one case", "/app/reviews/{case}/"),
    ("public library", "/library/"),
    ("library search, question", "/library/?q=police+did+not+tell+the+school+about+fights+at+home"),
]
EXPORTS = {"csv": "CSV", "xlsx": "Excel", "docx": "Word", "pdf": "PDF"}


class SetupFailed(Exception):
    pass


# --- Set-up ---------------------------------------------------------------------------------


def bench_env(var_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SIGHTLINE_", "DJANGO_", "DATABASE_URL", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SIGHTLINE_VAR_DIR=str(var_dir),
        SIGHTLINE_DEMO="true",
        SIGHTLINE_MFA_REQUIRED="false",
        SIGHTLINE_SECURE_COOKIES="false",
        SIGHTLINE_BENCH_FLOOR="true",
        SIGHTLINE_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_step(name: str, args: list[str], env: dict, log_dir: Path, timeout=STEP_TIMEOUT) -> str:
    started = time.perf_counter()
    out, err = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        try:
            code = subprocess.run(
                args, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, timeout=timeout
            ).returncode
        except subprocess.TimeoutExpired as exc:
            raise SetupFailed(f"{name} took longer than {timeout} s") from exc
    if code != 0:
        tail = "\n".join(err.read_text(errors="replace").splitlines()[-25:])
        raise SetupFailed(f"{name} failed (exit status {code}):\n{tail}")
    print(f"  {name:<14} {time.perf_counter() - started:6.1f} s", flush=True)
    lines = [line for line in out.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "{}"


def manage_bench(name: str, args: list[str], env: dict, log_dir: Path):
    return json.loads(run_step(name, [PYTHON, str(BENCH / "manage_bench.py"), *args], env, log_dir))


def fresh_postgres(url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    base = url.rpartition("/")[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{base}/{name}"


# --- gunicorn and the task worker -----------------------------------------------------------


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


# --- HTTP -----------------------------------------------------------------------------------


def sign_in(base: str, timeout: float, email: str = EMAIL) -> requests.Session:
    session = requests.Session()
    try:
        page = session.get(f"{base}/app/sign-in/", timeout=timeout)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or not token:
            raise SetupFailed(f"The sign-in page answered {page.status_code} without a token")
        reply = session.post(
            f"{base}/app/sign-in/",
            allow_redirects=False,
            timeout=timeout,
            data={"csrfmiddlewaretoken": token.group(1), "email": email, "password": PASSWORD},
        )
    except requests.RequestException as exc:
        raise SetupFailed(f"Signing in failed: {type(exc).__name__}: {exc}") from exc
    if reply.status_code != 302 or "sign-in" in reply.headers.get("Location", ""):
        raise SetupFailed(f"Signing in as {email} failed (status {reply.status_code})")
    return session


def timed_get(session, url: str, timeout: float) -> tuple[float | None, int | None, str]:
    started = time.perf_counter()
    try:
        reply = session.get(url, timeout=timeout, allow_redirects=False)
        _ = reply.content
    except requests.RequestException as exc:
        return None, None, f"{type(exc).__name__}"
    ms = (time.perf_counter() - started) * 1000
    if reply.status_code != 200:
        return ms, reply.status_code, f"HTTP {reply.status_code}"
    return ms, 200, ""


def measure_page(session, anonymous, base: str, path: str, args) -> dict:
    """The page and the floor view, alternately: warm-ups, then `requests` timed pairs."""
    browser = anonymous if path.startswith("/library/") else session
    page, floor = [], []
    status, error = None, ""
    for i in range(args.warmup + args.requests):
        ms, status, error = timed_get(browser, base + path, args.timeout)
        floor_ms, _, floor_error = timed_get(anonymous, base + FLOOR, args.timeout)
        if error:
            break
        if i >= args.warmup:
            page.append(round(ms, 2))
            if not floor_error:
                floor.append(round(floor_ms, 2))
    result = {"status": status, "error": error, "samples_ms": page, "floor_samples_ms": floor}
    if page and floor and not error:
        p95, f95 = pct(page, 95), pct(floor, 95)
        result.update(
            p50=round(pct(page, 50), 1),
            p95=round(p95, 1),
            floor_p50=round(pct(floor, 50), 1),
            floor_p95=round(f95, 1),
            ratio=round(p95 / f95, 1) if f95 else None,
        )
    return result


def date_today() -> date:
    return date.today()  # the load's form dates; the server checks them against its own


def pct(values, p):
    return load.percentile(values, p)


# --- Exports --------------------------------------------------------------------------------


def measure_export(env, log_dir, fmt: str, args) -> dict:
    """One export of every action, on freshly started workers so their peak memory is this
    export's. A file answer is timed to its last byte; a page or a redirect instead (an export
    run in the background) is reloaded each second until it links to a file ("download" in
    the address) that answers as an attachment."""
    result = {
        "format": EXPORTS[fmt],
        "seconds": None,
        "peak_mb": None,
        "bytes": 0,
        "rows": None,
        "status": None,
        "error": "",
    }
    with Server(env, log_dir, f"export-{fmt}", tasks=True) as server:
        session = sign_in(server.url, args.timeout)
        url = f"{server.url}/app/actions/all/?format={fmt}"
        started = time.perf_counter()
        with PeakMemory(server) as memory:
            try:
                result.update(_download(session, url, started, args.export_timeout))
            except requests.RequestException as exc:
                result["error"] = (
                    f"{type(exc).__name__} after {time.perf_counter() - started:.0f} s"
                )
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["peak_mb"] = round(memory.peak, 1)
        result["before_mb"] = round(memory.before, 1)
        result["worker_timeouts"] = server.grep("WORKER TIMEOUT")
        if result["worker_timeouts"] and result["error"]:
            result["error"] += " (gunicorn killed the worker at its 30 s timeout)"
    return result


def _download(session, url: str, started: float, limit: float) -> dict:
    deadline = started + limit
    reply = session.get(url, stream=True, timeout=(10, max(1.0, deadline - time.perf_counter())))
    background = False
    while "attachment" not in reply.headers.get("Content-Disposition", ""):
        if reply.status_code >= 400:
            return {"status": reply.status_code, "error": f"HTTP {reply.status_code}"}
        background = True
        page = reply.text
        link = re.search(r'href="([^"]*download[^"]*)"', page)
        if time.perf_counter() > deadline:
            return {"status": reply.status_code, "error": f"not ready after {limit:.0f} s"}
        if link:
            reply = session.get(
                requests.compat.urljoin(reply.url, link.group(1)),
                stream=True,
                timeout=(10, max(1.0, deadline - time.perf_counter())),
            )
            continue
        time.sleep(1)
        reply = session.get(reply.url, stream=True, timeout=10)
    size, newlines = 0, 0
    for chunk in reply.iter_content(65536):
        size += len(chunk)
        newlines += chunk.count(b"\n")
        if time.perf_counter() > deadline:
            return {
                "status": reply.status_code,
                "bytes": size,
                "error": f"still downloading after {limit:.0f} s",
            }
    return {
        "status": reply.status_code,
        "bytes": size,
        "background": background,
        "rows": newlines if url.endswith("csv") else None,
    }


# --- Load -----------------------------------------------------------------------------------


def run_load(env, log_dir, args, targets: dict, day) -> dict:
    """The peak profile, then saturation on a freshly started server: requests the peak left
    queued in the listen backlog (the server still works through them after their clients
    gave up) must not be counted against the saturation run."""
    people_specs = [p for p in targets["people"] if p["actions"] or p["returns"]][: args.users]
    items = targets["library_items"]

    async def sign_in_all(port):
        return [await load.sign_in(HOST, port, s, PASSWORD, args.timeout) for s in people_specs]

    with Server(env, log_dir, "peak", tasks=True) as server:
        port = server.port

        async def peak_profile():
            # The floor worker: a fresh worker that has served only the floor view.
            floor_runner = load.Runner(HOST, port, [], [], timeout=args.timeout, seed=1, day=day)
            await load.closed_loop(floor_runner, "floor", 3, 5)
            floor_rss = max(memory_mb(p) for p in server.workers())
            people = await sign_in_all(port)
            # Every worker loads what the pages need (the search model, templates) first.
            warm = load.Runner(HOST, port, people, items, timeout=args.timeout, seed=9, day=day)
            await load.closed_loop(warm, "signed-in", 3, min(15, args.load_seconds))
            await load.closed_loop(warm, "public", 3, min(15, args.load_seconds))
            locked_before = server.grep("database is locked")
            rates = {"signed-in": len(people) / 5.0, "public": args.public_rate}
            print(
                f"  peak profile: {len(people)} signed-in people ({rates['signed-in']:.0f} "
                f"req/s) and {args.public_rate:.0f} req/s public, {args.load_seconds:.0f} s",
                flush=True,
            )
            peak = load.Runner(HOST, port, people, items, timeout=args.timeout, seed=2, day=day)
            result = await load.open_loop(peak, rates, args.load_seconds)
            result["database_locked"] = server.grep("database is locked") - locked_before
            result["server_errors_logged"] = server.grep("Traceback")
            after = {p: round(memory_mb(p), 1) for p in server.workers()}
            tasks = [round(memory_mb(p), 1) for p in server.task_pids()]
            return len(people), result, floor_rss, after, tasks

        count, peak_result, floor_rss, after_peak, task_mb = asyncio.run(peak_profile())

    with Server(env, log_dir, "saturation", tasks=True) as server:
        port = server.port

        async def saturation():
            people = await sign_in_all(port)
            warm = load.Runner(HOST, port, people, [], timeout=args.timeout, seed=8, day=day)
            await load.closed_loop(warm, "signed-in", 3, min(10, args.saturation_seconds))
            print(
                f"  saturation: {args.connections} connections, {args.saturation_seconds:.0f} s"
                " signed-in, then the same on the floor view (a fresh server)",
                flush=True,
            )
            busy = load.Runner(HOST, port, people, [], timeout=args.timeout, seed=3, day=day)
            signed = await load.closed_loop(
                busy, "signed-in", args.connections, args.saturation_seconds
            )
            bare = load.Runner(HOST, port, [], [], timeout=args.timeout, seed=4, day=day)
            floor = await load.closed_loop(bare, "floor", args.connections, args.saturation_seconds)
            after = {p: round(memory_mb(p), 1) for p in server.workers()}
            return signed, floor, after

        signed, floor, after_saturation = asyncio.run(saturation())
        locked = server.grep("database is locked")
    return {
        "people": count,
        "peak": peak_result,
        "saturation": {"signed_in": signed, "floor": floor},
        "memory": {
            "floor_worker_mb": round(floor_rss, 1),
            "workers_after_mb": {**after_peak, **after_saturation},
            "after_peak_mb": list(after_peak.values()),
            "after_saturation_mb": list(after_saturation.values()),
            "task_worker_mb": task_mb,
        },
        "database_locked_saturation": locked,
    }


# --- One engine -----------------------------------------------------------------------------


def run_engine(engine: str, args, catalogue: Path, catalogue_seconds: float) -> dict:
    print(f"\n== {engine}", flush=True)
    var_dir = Path(tempfile.mkdtemp(prefix=f"sightline-bench-{engine}-"))
    log_dir = var_dir / "logs"
    log_dir.mkdir()
    result = {"engine": engine, "var_dir": str(var_dir)}
    try:
        url = ""
        if engine == "postgresql":
            url = fresh_postgres(os.environ["DATABASE_URL"], "sightline_bench")
        env = bench_env(var_dir, url)
        build = manage_bench(
            "build",
            ["build", "--scale", str(args.scale), "--catalogue", str(catalogue)],
            env,
            log_dir,
        )
        seconds = build["seconds"]
        data_seconds = round(
            sum(v for k, v in seconds.items() if k not in ("migrate", "collectstatic", "cpu"))
            + catalogue_seconds,
            1,
        )
        result["build"] = {**build, "data_seconds": data_seconds}
        refs = manage_bench("refs", ["refs"], env, log_dir)
        result["refs"] = refs
        paths = [
            (k, p.format(action=refs["action"], case=refs["case"], last=refs["last_page"]))
            for k, p in PAGES
        ]
        counted = manage_bench(
            "queries", ["queries", "--email", EMAIL, FLOOR, *[p for _, p in paths]], env, log_dir
        )
        result["floor_queries"] = counted[FLOOR]["queries"]
        pages = []
        with Server(env, log_dir, "pages") as server:
            session = sign_in(server.url, args.timeout)
            anonymous = requests.Session()
            for key, path in paths:
                row = {"key": key, "path": path, **counted[path]}
                if row["status"] != 200:
                    row["error"] = f"HTTP {row['status']} in-process"
                elif args.pages == "all":
                    row.update(measure_page(session, anonymous, server.url, path, args))
                else:
                    row["error"] = "not timed (--pages none)"
                pages.append(row)
                print(
                    f"  {key:<26} {_fmt(row.get('p95')):>8} ms p95  ×{_fmt(row.get('ratio'))}",
                    flush=True,
                )
            result["pages_locked"] = server.grep("database is locked")
        result["pages"] = pages
        result["exports"] = []
        for fmt in args.exports:
            row = measure_export(env, log_dir, fmt, args)
            print(
                f"  export {fmt:<5} {_fmt(row['seconds'])} s, peak {_fmt(row['peak_mb'])} MB"
                f"{'  ' + row['error'] if row['error'] else ''}",
                flush=True,
            )
            result["exports"].append(row)
        if args.load_seconds > 0:
            targets = manage_bench("targets", ["targets", "--users", str(args.users)], env, log_dir)
            result["load"] = run_load(env, log_dir, args, targets, date_today())
        return result
    finally:
        if args.keep:
            print(f"  kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


# --- Checks and reporting -------------------------------------------------------------------


def checks_for(r: dict) -> list[dict]:
    e = r["engine"]
    out = []

    def check(name, ok, value):
        out.append({"engine": e, "check": name, "pass": bool(ok), "value": value})

    b = r["build"]
    check("data set built in ≤ 180 s", b["data_seconds"] <= BUILD_LIMIT_S, f"{b['data_seconds']} s")
    for p in r["pages"]:
        if p.get("error", "").startswith("not timed"):
            continue
        ok = (
            not p.get("error")
            and p.get("ratio") is not None
            and p["ratio"] <= PAGE_RATIO
            and (p["p95"] <= PAGE_MS)
        )
        value = p.get("error") or f"p95 {p['p95']} ms, ×{p['ratio']} floor"
        check(f"page {p['key']}: p95 ≤ 10× floor and ≤ 100 ms", ok, value)
    for x in r["exports"]:
        ok = not x["error"] and x["peak_mb"] is not None and x["peak_mb"] <= EXPORT_MB
        value = x["error"] or f"{x['seconds']} s, peak {x['peak_mb']} MB"
        check(f"export {x['format']}: delivered, worker ≤ 150 MB", ok, value)
    if "load" in r:
        peak, sat, mem = r["load"]["peak"], r["load"]["saturation"], r["load"]["memory"]
        signed, public = peak.get("signed-in", {}), peak.get("public", {})
        errors = signed.get("errors", 0) + public.get("errors", 0) + peak["dropped"]
        check("peak: no errors", errors == 0, f"{errors} errors")
        check(
            "peak: no 'database is locked'",
            peak["database_locked"] == 0,
            f"{peak['database_locked']} in the logs",
        )
        check(
            "peak: signed-in p95 ≤ 300 ms",
            (signed.get("p95_ms") or 1e9) <= PEAK_SIGNED_MS,
            f"{signed.get('p95_ms')} ms",
        )
        check(
            "peak: public p95 ≤ 100 ms",
            (public.get("p95_ms") or 1e9) <= PEAK_PUBLIC_MS,
            f"{public.get('p95_ms')} ms",
        )
        s, f = sat["signed_in"].get("signed-in", {}), sat["floor"].get("floor", {})
        ratio = (s.get("ok_per_second") or 0) / f["ok_per_second"] if f.get("ok_per_second") else 0
        sat["ratio"] = round(ratio, 3)
        check(
            "saturation: throughput ≥ 1/10 of floor, no errors",
            ratio >= SATURATION_RATIO and not s.get("errors"),
            f"{s.get('ok_per_second')} vs {f.get('ok_per_second')} req/s = {ratio:.3f}, "
            f"{s.get('errors')} errors",
        )
        worst = max(mem["workers_after_mb"].values() or [0])
        mem["ratio"] = round(worst / mem["floor_worker_mb"], 2) if mem["floor_worker_mb"] else None
        check(
            "memory: worker ≤ 2× floor worker after the load",
            mem["ratio"] is not None and mem["ratio"] <= MEMORY_RATIO,
            f"{worst} MB vs {mem['floor_worker_mb']} MB = ×{mem['ratio']}",
        )
    return out


def search_checks(results: list[dict]) -> list[dict]:
    out = []
    for r in results:
        q = r["by_kind_p95"].get("question")
        out.append(
            {
                "engine": r["engine"],
                "check": "library search, questions: p95 ≤ 50 ms",
                "pass": q is not None and q <= SEARCH_MS,
                "value": f"{q} ms (all kinds {r['blend']['p95']} ms)",
            }
        )
    return out


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def print_engine(r: dict) -> None:
    print(f"\n== {r['engine']}: pages (p95 ÷ the floor's p95 measured alongside)")
    width = max(len(p["key"]) for p in r["pages"])
    print(
        f"{'page':<{width}}  {'queries':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'floor p95':>9}"
        f"  {'ratio':>6}  result"
    )
    for p in r["pages"]:
        ok = (
            not p.get("error")
            and (p.get("ratio") or 1e9) <= PAGE_RATIO
            and (p.get("p95") or 1e9) <= PAGE_MS
        )
        print(
            f"{p['key']:<{width}}  {_fmt(p.get('queries')):>7}  {_fmt(p.get('p50')):>7}  "
            f"{_fmt(p.get('p95')):>7}  {_fmt(p.get('floor_p95')):>9}  {_fmt(p.get('ratio')):>6}"
            f"  {'PASS' if ok else 'FAIL'}{'  ' + p['error'] if p.get('error') else ''}"
        )
    print(f"(floor: {r['floor_queries']} query per request)")
    if r["exports"]:
        print(f"\n== {r['engine']}: exports of all {r['refs']['counts']['actions']} actions")
        for x in r["exports"]:
            extra = f", {x['rows']} lines" if x.get("rows") else ""
            print(
                f"  {x['format']:<6} {_fmt(x['seconds']):>6} s  peak {_fmt(x['peak_mb']):>6} MB"
                f"  {x['bytes']} bytes{extra}  {x['error'] or 'ok'}"
            )
    if "load" in r:
        peak, sat, mem = r["load"]["peak"], r["load"]["saturation"], r["load"]["memory"]
        print(f"\n== {r['engine']}: load")
        for group in ("signed-in", "public"):
            g = peak.get(group, {})
            print(
                f"  peak, {group:<9}: {g.get('per_second')} req/s offered, p50 "
                f"{g.get('p50_ms')} ms, p95 {g.get('p95_ms')} ms, {g.get('errors')} errors "
                f"({g.get('timeouts')} timeouts) {g.get('error_kinds') or ''}"
            )
        print(f"  peak: 'database is locked' {peak['database_locked']}, dropped {peak['dropped']}")
        s, f = sat["signed_in"].get("signed-in", {}), sat["floor"].get("floor", {})
        print(
            f"  saturation: signed-in {s.get('ok_per_second')} req/s (p95 {s.get('p95_ms')} ms,"
            f" {s.get('errors')} errors), floor {f.get('ok_per_second')} req/s: ratio "
            f"{sat.get('ratio')}"
        )
        print(
            f"  memory: floor worker {mem['floor_worker_mb']} MB, workers after "
            f"{list(mem['workers_after_mb'].values())} MB (×{mem.get('ratio')}), task worker "
            f"{mem['task_worker_mb']} MB"
        )
    slow = [p for p in r["pages"] if p.get("slowest")]
    slow.sort(key=lambda p: -(p.get("ratio") or 0))
    print(f"\n== {r['engine']}: slowest query of the slowest pages (in-process)")
    for p in slow[:8]:
        q = p["slowest"][0]
        print(
            f"  {p['key']}: in-process {p.get('page_ms')} ms, of which SQL {p.get('sql_ms')} ms "
            f"(transaction control {p.get('commit_ms')} ms); slowest statement {q['ms']} ms: "
            f"{q['sql'][:140]}"
        )
        for line in p.get("plan", [])[:4]:
            print(f"      {line[:150]}")


def markdown(report: dict) -> str:
    """The tables of bench/README.md from a results file: ratios first, both engines."""
    engines = report["engines"]
    names = [r["engine"] for r in engines]
    head = "| page | " + " | ".join(f"{n} p95 ÷ floor | {n} p95 ms | {n} queries" for n in names)
    lines = [head + " |", "| --- |" + " ---: | ---: | ---: |" * len(names)]
    for i, page in enumerate(engines[0]["pages"]):
        cells = []
        for r in engines:
            p = r["pages"][i]
            ok = (
                not p.get("error")
                and (p.get("ratio") or 1e9) <= PAGE_RATIO
                and (p.get("p95") or 1e9) <= PAGE_MS
            )
            cells.append(
                f"{_fmt(p.get('ratio'))} {'PASS' if ok else 'FAIL'} | {_fmt(p.get('p95'))} | "
                f"{_fmt(p.get('queries'))}"
            )
        lines.append(f"| {page['key']} | " + " | ".join(cells) + " |")
    floors = ", ".join(
        f"{r['engine']} {min(p['floor_p95'] for p in r['pages'] if p.get('floor_p95'))}–"
        f"{max(p['floor_p95'] for p in r['pages'] if p.get('floor_p95'))} ms"
        for r in engines
    )
    lines += ["", f"Floor p95 alongside each page: {floors}.", ""]
    lines += ["| export (all actions) | " + " | ".join(names) + " |"]
    lines += ["| --- |" + " --- |" * len(names)]
    for i, x in enumerate(engines[0]["exports"]):
        cells = []
        for r in engines:
            e = r["exports"][i]
            cells.append(f"{e['seconds']} s, peak {e['peak_mb']} MB, {e['error'] or 'ok'}")
        lines.append(f"| {x['format']} | " + " | ".join(cells) + " |")
    lines += ["", "| load | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    rows = [
        ("peak: signed-in p95 (goal ≤ 300 ms)", lambda L: f"{L['peak']['signed-in']['p95_ms']} ms"),
        ("peak: public p95 (goal ≤ 100 ms)", lambda L: f"{L['peak']['public']['p95_ms']} ms"),
        ("peak: errors (goal 0)", lambda L: str(L["peak"]["signed-in"]["errors"]
                                               + L["peak"]["public"]["errors"])),
        ("peak: 'database is locked' (goal 0)", lambda L: str(L["peak"]["database_locked"])),
        ("saturation: signed-in ÷ floor throughput (goal ≥ 0.1)", _saturation),
        ("memory: worker after the load ÷ floor worker (goal ≤ 2)",
         lambda L: f"{L['memory'].get('ratio')}"),
    ]  # fmt: skip
    for label, value in rows:
        cells = [value(r["load"]) if "load" in r else "-" for r in engines]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    passed = sum(c["pass"] for c in report["checks"])
    lines += ["", f"`bench: {passed} of {len(report['checks'])} checks pass`"]
    return "\n".join(lines)


def _saturation(load_result: dict) -> str:
    sat = load_result["saturation"]
    signed = sat["signed_in"]["signed-in"]["ok_per_second"]
    floor = sat["floor"]["floor"]["ok_per_second"]
    return f"{sat.get('ratio')} ({signed} ÷ {floor} req/s)"


def write_json(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = ten years (default)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=40, help="timed pairs per page")
    parser.add_argument("--warmup", type=int, default=6, help="untimed pairs per page first")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--pages", default="all", help="all, or none to skip the page timings")
    parser.add_argument("--exports", default="csv,xlsx,docx,pdf", help="formats, or none")
    parser.add_argument("--export-timeout", type=float, default=120)
    parser.add_argument("--load-seconds", type=float, default=300, help="peak profile; 0: none")
    parser.add_argument("--saturation-seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=60, help="signed-in people in the load")
    parser.add_argument("--connections", type=int, default=60, help="closed-loop connections")
    parser.add_argument("--public-rate", type=float, default=50, help="public req/s at peak")
    parser.add_argument("--search-queries", type=int, default=200, help="0: no search bench")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--markdown", type=Path, help="print a results file's tables and stop")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if set(args.engines) - {"sqlite", "postgresql"} or not args.engines:
        parser.error("--engines takes sqlite and/or postgresql")
    args.exports = [] if args.exports == "none" else args.exports.split(",")
    if set(args.exports) - set(EXPORTS) or args.scale <= 0 or args.requests < 1:
        parser.error("bad --exports, --scale or --requests")
    return args


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:  # noqa: C901
    args = parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    if not (ROOT / "frontend" / "dist").is_dir():
        print("The front-end assets are missing: run `make assets` (or `make bench`).")
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    engines = list(args.engines)
    skipped = []
    if "postgresql" in engines and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        engines.remove("postgresql")
        skipped.append("postgresql (no DATABASE_URL: run under scripts/pg_throwaway.sh run)")
    started, load_before = time.strftime("%Y-%m-%dT%H:%M:%S%z"), os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="sightline-bench-"))
    results, search = [], []
    try:
        items = max(20, round(5000 * args.scale))
        begun = time.perf_counter()
        chars = search_bench.generate(work / "catalogue.jsonl", items, 12000, 7)
        catalogue_seconds = round(time.perf_counter() - begun, 1)
        print(
            f"Catalogue: {items} items, {chars / 1e6:.1f} million characters, {catalogue_seconds} s"
        )
        for engine in engines:
            results.append(run_engine(engine, args, work / "catalogue.jsonl", catalogue_seconds))
        if args.search_queries:
            search = _search(args, work, engines)
    except SetupFailed as exc:
        print(f"\nBenchmark set-up failed: {exc}")
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted; the servers are stopped and the temporary folders removed.")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checks = [c for r in results for c in checks_for(r)] + search_checks(search)
    for r in results:
        print_engine(r)
    for s in search:
        search_bench.report(s)
    load_after = os.getloadavg()
    print(
        f"\nLoad average (1, 5, 15 min) at start {tuple(round(x, 1) for x in load_before)}, "
        f"at end {tuple(round(x, 1) for x in load_after)} on {os.cpu_count()} cores"
    )
    for s in skipped:
        print(f"Skipped: {s}")
    report = {
        "started": started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_start": load_before,
            "load_average_end": load_after,
        },
        "settings": {k: v for k, v in vars(args).items()},
        "engines": results,
        "search": search,
        "checks": checks,
        "skipped": skipped,
    }
    print(f"Results: {write_json(report).relative_to(ROOT)}")
    print("\n== Checks")
    for c in checks:
        print(f"  {'PASS' if c['pass'] else 'FAIL'}  {c['engine']:<10} {c['check']}: {c['value']}")
    bad_pages = [p for r in results for p in r["pages"] if p.get("status") != 200]
    for p in bad_pages:
        print(f"ERROR: {p['path']} answered {p.get('status')}: {p.get('error')}")
    print(f"bench: {sum(c['pass'] for c in checks)} of {len(checks)} checks pass")
    return 1 if bad_pages else 0


def _search(args, work: Path, engines: list[str]) -> list[dict]:
    """bench/search_bench.py on the same catalogue, one child process per engine."""
    print("\n== Library search benchmark (bench/search_bench.py)", flush=True)
    ns = argparse.Namespace(queries=args.search_queries, seed=7)
    out = []
    for engine in engines:
        url = (
            fresh_postgres(os.environ["DATABASE_URL"], "sightline_search_bench")
            if (engine == "postgresql")
            else ""
        )
        out.append(search_bench.run_engine(ns, work / "catalogue.jsonl", work, url))
        out[-1]["engine"] = engine
    return out


if __name__ == "__main__":
    sys.exit(main())
