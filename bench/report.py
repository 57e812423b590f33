"""The goals as checks, the tables bench/run.py prints and the results file."""

from __future__ import annotations

import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parent.parent
BUILD_LIMIT_S = 180
PAGE_RATIO, PAGE_MS = 10, 100
PEAK_SIGNED_MS, PEAK_PUBLIC_MS = 300, 100
SATURATION_RATIO, MEMORY_RATIO, EXPORT_MB = 0.1, 2.0, 150
SEARCH_MS = 50


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
