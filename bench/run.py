"""Page benchmarks: response times over HTTP and SQL queries per page, at two data volumes.

    python bench/run.py [--scales 1,5] [--requests 30] [--warmup 3] [--timeout 30]

For each scale N: a fresh SQLite database in a temporary folder, `migrate`, `seed_demo --scale N`
(N × 1,000 actions), N × 20 review cases (bench/generate.py), `collectstatic`; the SQL queries
of every page counted in-process; then gunicorn on 127.0.0.1 (2 workers, the local demo
settings, DEBUG off) and the pages timed over HTTP, signed in as the business unit.

Prints a table per scale and a comparison of query counts across scales, and writes everything
to bench/results/<timestamp>.json. Exits 1 if a page does not answer 200 or its query count
grows with the data, 2 if the set-up fails; never because of timings. See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
EMAIL = "business.unit@northvale.example"
PASSWORD = "northvale-demo-2026"  # the demo password (sightline.core.demo.DEMO_PASSWORD)
CASES_PER_SCALE = 20
STEP_TIMEOUT = 1800  # seconds for one set-up step (migrate, seed, generate, collectstatic)
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz

# (key, path); {action} and {case} are filled from the database (manage_bench.py refs).
PAGES = [
    ("floor", "/healthz"),
    ("home", "/app/"),
    ("my actions", "/app/actions/"),
    ("all actions", "/app/actions/all/"),
    ("overdue actions", "/app/actions/all/?status=overdue"),
    ("action plans", "/app/actions/plans/"),
    ("cases", "/app/reviews/"),
    ("case summary", "/app/reviews/summary/"),
    ("users", "/app/settings/users/"),
    ("agencies", "/app/settings/agencies/"),
    ("notifications", "/app/notifications/"),
    ("briefings", "/app/briefings/"),
    ("briefing reach", "/app/briefings/dashboard/"),
    ("publication plans", "/app/publishing/"),
    ("public library", "/library/"),
    ("library search", "/library/?q=neglect"),
    ("one action", "/app/actions/{action}/"),
    ("one case", "/app/reviews/{case}/"),
]


class SetupFailed(Exception):
    pass


@dataclass
class PageResult:
    key: str
    path: str
    status: int | None = None
    queries: int | None = None
    p50: float | None = None
    p95: float | None = None
    x_floor: float | None = None
    error: str = ""
    samples_ms: list[float] = field(default_factory=list)


# --- Environment and set-up ----------------------------------------------------------------


def bench_env(var_dir: Path) -> dict[str, str]:
    """The local demo's settings, on a database of its own, with DEBUG off."""
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
        SIGHTLINE_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        PYTHONUNBUFFERED="1",
    )
    return env


def run_step(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> str:
    """Run one set-up command; return its standard output. Its output is kept in log_dir."""
    started = time.perf_counter()
    out, err = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        try:
            code = subprocess.run(
                args, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, timeout=STEP_TIMEOUT
            ).returncode
        except subprocess.TimeoutExpired as exc:
            raise SetupFailed(f"{name} took longer than {STEP_TIMEOUT} s") from exc
    if code != 0:
        tail = "\n".join(err.read_text(errors="replace").splitlines()[-20:])
        raise SetupFailed(f"{name} failed (exit status {code}):\n{tail}")
    print(f"  {name:<14} {time.perf_counter() - started:6.1f} s", flush=True)
    return out.read_text(errors="replace")


def last_json(output: str):
    lines = [line for line in output.splitlines() if line.strip()]
    return json.loads(lines[-1])


def prepare(scale: int, env: dict[str, str], log_dir: Path) -> dict:
    manage = [PYTHON, "manage.py"]
    bench = [PYTHON, str(BENCH / "manage_bench.py")]
    run_step("migrate", [*manage, "migrate", "--noinput", "-v", "0"], env, log_dir)
    run_step("seed_demo", [*manage, "seed_demo", "--scale", str(scale), "--quiet"], env, log_dir)
    cases = scale * CASES_PER_SCALE
    generated = last_json(
        run_step("cases", [*bench, "generate", "--cases", str(cases)], env, log_dir)
    )
    run_step("collectstatic", [*manage, "collectstatic", "--noinput", "-v", "0"], env, log_dir)
    refs = last_json(run_step("refs", [*bench, "refs"], env, log_dir))
    if not refs["action"] or not refs["case"]:
        raise SetupFailed(f"No action or case to open: {refs}")
    return {"stages": generated["stages"], **refs}


def count_queries(paths: list[str], env: dict[str, str], log_dir: Path) -> dict:
    bench = [PYTHON, str(BENCH / "manage_bench.py")]
    return last_json(
        run_step("queries", [*bench, "queries", "--email", EMAIL, *paths], env, log_dir)
    )


def code_fingerprint() -> str:
    """A hash of the application's code and templates, to tell whether they changed during a
    run (a query count that differs across scales then may not be the data's doing)."""
    digest = hashlib.sha256()
    for folder in ("config", "sightline", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            skipped = {"__pycache__", "tests"} & set(path.relative_to(ROOT).parts)
            if path.suffix in {".py", ".html", ".txt"} and not skipped:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_bin() -> str:
    local = ROOT / ".venv" / "bin" / "gunicorn"
    if local.exists():
        return str(local)
    beside = Path(PYTHON).parent / "gunicorn"
    return str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")


class Server:
    """gunicorn in a process group of its own, stopped with its workers however the run ends."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log_dir / "gunicorn.log"
        self.args = [
            gunicorn_bin(),
            "config.wsgi",
            "-b",
            f"{HOST}:{self.port}",
            "-w",
            str(workers),
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
        ]
        self.env = env
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches this script only; it stops the server
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupFailed(f"gunicorn stopped at start:\n{self._log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SetupFailed(f"gunicorn did not answer within {START_TIMEOUT} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.proc.wait(timeout=15)

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)  # the group this script started: master and workers
        except ProcessLookupError:
            pass


# --- HTTP ----------------------------------------------------------------------------------


def sign_in(base: str, timeout: float) -> requests.Session:
    try:
        return _sign_in(base, timeout)
    except requests.RequestException as exc:
        raise SetupFailed(f"Signing in failed: {type(exc).__name__}: {exc}") from exc


def _sign_in(base: str, timeout: float) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/app/sign-in/", timeout=timeout)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not found:
        raise SetupFailed(f"The sign-in page answered {page.status_code} without a CSRF token")
    response = session.post(
        f"{base}/app/sign-in/",
        data={"csrfmiddlewaretoken": found.group(1), "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=timeout,
    )
    if response.status_code != 302 or "sign-in" in response.headers.get("Location", ""):
        raise SetupFailed(
            f"Signing in as {EMAIL} failed (status {response.status_code}, "
            f"to {response.headers.get('Location', '-')})"
        )
    return session


def time_page(session, url: str, *, warmup: int, count: int, timeout: float):
    """(samples in ms, status, error). Stops at the first failure, so a broken page is quick."""
    samples: list[float] = []
    status = None
    for i in range(warmup + count):
        started = time.perf_counter()
        try:
            response = session.get(url, timeout=timeout, allow_redirects=False)
            _ = response.content
        except requests.RequestException as exc:
            return samples, status, f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if status != 200:
            where = response.headers.get("Location", "")
            return samples, status, f"HTTP {status}" + (f" to {where}" if where else "")
        if i >= warmup:
            samples.append(round(elapsed, 2))
    return samples, status, ""


def percentile(samples: list[float], pct: int) -> float:
    """Percentile with linear interpolation between the closest ranks."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[pct - 1]


# --- One scale -----------------------------------------------------------------------------


def run_scale(scale: int, args) -> dict:
    print(
        f"\n== Scale {scale}: {scale * 1000} actions, {scale * CASES_PER_SCALE} cases", flush=True
    )
    var_dir = Path(tempfile.mkdtemp(prefix=f"sightline-bench-{scale}-"))
    log_dir = var_dir / "logs"
    log_dir.mkdir()
    try:
        env = bench_env(var_dir)
        data = prepare(scale, env, log_dir)
        pages = [
            PageResult(key, path.format(action=data["action"], case=data["case"]))
            for key, path in PAGES
        ]
        fingerprint = code_fingerprint()
        counted = count_queries([p.path for p in pages], env, log_dir)
        for page in pages:
            page.queries = counted[page.path]["queries"]
            page.status = counted[page.path]["status"]
            if page.status != 200:
                where = counted[page.path].get("location")
                page.error = f"HTTP {page.status} in-process" + (f" to {where}" if where else "")
        with Server(env, log_dir, args.workers) as server:
            session = sign_in(server.url, args.timeout)
            for page in pages:
                measure(page, session, server.url, args)
        floor = pages[0].p50
        for page in pages:
            if page.p50 is not None and floor:
                page.x_floor = round(page.p50 / floor, 1)
        result = {
            "scale": scale,
            "code": fingerprint,
            "data": data,
            "pages": [asdict(p) for p in pages],
        }
        print_table(result)
        return result
    finally:
        if args.keep:
            print(f"  kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def measure(page: PageResult, session, base: str, args) -> None:
    samples, status, error = time_page(
        session, base + page.path, warmup=args.warmup, count=args.requests, timeout=args.timeout
    )
    page.samples_ms = samples
    if status is not None:
        page.status = status
    if error:
        page.error = page.error or error
    if samples and not error:
        page.p50 = round(percentile(samples, 50), 1)
        page.p95 = round(percentile(samples, 95), 1)


# --- Reporting -----------------------------------------------------------------------------


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_table(result: dict) -> None:
    width = max(len(p["path"]) for p in result["pages"])
    print(f"\n{'page':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'×floor':>7}  {'queries':>7}")
    for p in result["pages"]:
        line = (
            f"{p['path']:<{width}}  {_fmt(p['p50']):>8}  {_fmt(p['p95']):>8}  "
            f"{_fmt(p['x_floor']):>7}  {_fmt(p['queries']):>7}"
        )
        print(line + (f"  ERROR {p['error']}" if p["error"] else ""))
    counts = result["data"].get("counts", {})
    print("data: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))


def compare(results: list[dict]) -> list[dict]:
    rows = []
    for i, (key, template) in enumerate(PAGES):
        queries = [r["pages"][i]["queries"] for r in results]
        known = [q for q in queries if q is not None]
        rows.append(
            {
                "key": key,
                "path": template,
                "queries": {str(r["scale"]): q for r, q in zip(results, queries, strict=True)},
                "p50": {str(r["scale"]): r["pages"][i]["p50"] for r in results},
                "grows": len(set(known)) > 1,
            }
        )
    return rows


def print_comparison(rows: list[dict], scales: list[int]) -> None:
    width = max(len(r["path"]) for r in rows)
    q_heads = "".join(f"  {'q@' + str(s):>6}" for s in scales)
    t_heads = "".join(f"  {'p50@' + str(s):>8}" for s in scales)
    print(f"\n== Query counts across scales\n{'page':<{width}}{q_heads}{t_heads}  result")
    for r in rows:
        qs = "".join(f"  {_fmt(r['queries'][str(s)]):>6}" for s in scales)
        ts = "".join(f"  {_fmt(r['p50'][str(s)]):>8}" for s in scales)
        print(f"{r['path']:<{width}}{qs}{ts}  {'GROWS' if r['grows'] else 'same'}")


def write_json(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --- Main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,5", help="comma-separated, default 1,5")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)
    try:
        args.scales = [int(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        parser.error("--scales takes whole numbers, like 1,5")
    if not args.scales or min(args.scales) < 1 or args.requests < 1 or args.warmup < 0:
        parser.error("scales and --requests must be at least 1, --warmup at least 0")
    return args


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (ROOT / "frontend" / "dist").is_dir():
        print("The front-end assets are missing: run `make assets` (or `make bench`).")
        return 2
    # Ctrl-C, SIGTERM and a closed terminal all end the run through the same clean-up (even
    # when the shell that started this script ignores SIGINT, as background jobs do).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load_before = os.getloadavg()
    results = []
    try:
        for scale in args.scales:
            results.append(run_scale(scale, args))
    except SetupFailed as exc:
        print(f"\nBenchmark set-up failed: {exc}")
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted; the server is stopped and the temporary folders removed.")
        return 130
    rows = compare(results)
    print_comparison(rows, args.scales)
    code_changed = len({r["code"] for r in results}) > 1
    if code_changed:
        print(
            "\nWARNING: the application's code changed between scales during this run; a query "
            "count that differs may come from the change, not the data. Run again."
        )
    errors = [
        {"scale": r["scale"], "path": p["path"], "error": p["error"]}
        for r in results
        for p in r["pages"]
        if p["error"]
    ]
    grows = [r for r in rows if r["grows"]] if len(results) > 1 else []
    report = {
        "started": started,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine skews timings (not query counts): 1, 5, 15 minutes.
            "load_average_start": [round(x, 2) for x in load_before],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "scales": args.scales,
            "requests": args.requests,
            "warmup": args.warmup,
            "timeout_s": args.timeout,
            "gunicorn_workers": args.workers,
            "cases_per_scale": CASES_PER_SCALE,
        },
        "scales": results,
        "comparison": rows,
        "errors": errors,
        "grows": [r["key"] for r in grows],
        "code_changed_during_run": code_changed,
    }
    print(
        f"\nLoad average (1 min) at start and end: {load_before[0]:.1f}, {os.getloadavg()[0]:.1f}"
    )
    print(f"Results: {write_json(report).relative_to(ROOT)}")
    for e in errors:
        print(f"ERROR at scale {e['scale']}: {e['path']}: {e['error']}")
    for r in grows:
        counts = ", ".join(f"{q} at scale {s}" for s, q in r["queries"].items())
        print(f"GROWS: {r['path']} ({counts})")
    return 1 if errors or grows else 0


if __name__ == "__main__":
    sys.exit(main())
