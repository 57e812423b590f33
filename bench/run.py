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
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import load  # noqa: E402
import search_bench  # noqa: E402
from report import (  # noqa: E402
    _fmt,
    checks_for,
    markdown,
    print_engine,
    search_checks,
    write_json,
)
from server import HOST, PYTHON, PeakMemory, Server, SetupFailed, memory_mb  # noqa: E402

EMAIL = "business.unit@northvale.example"
PASSWORD = "northvale-demo-2026"  # the demo password (sightline.core.demo.DEMO_PASSWORD)
STEP_TIMEOUT = 1800
FLOOR = "/bench/floor"

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
