"""Concurrency profiles for bench/run.py: a small asyncio HTTP/1.1 load generator.

Loopback only (the server's address is checked), bounded in time: every profile stops by
itself after its duration plus one request timeout, cancelling whatever is still in flight.

    open_loop(...)    "a working day at its peak": arrivals at random (Poisson) times at a set
                      rate, whatever the server's speed (open loop, so a slow server meets a
                      growing queue rather than fewer requests, as in real use). Latency counts
                      from the moment a request was due, so time spent waiting for the load
                      generator itself is not hidden.
    closed_loop(...)  saturation: N connections, each sending its next request as soon as the
                      last is answered; throughput is what the server can do.

Signed-in flows use real sessions (signed in through the sign-in form) and write through the
real forms: the form is fetched, its fields (CSRF token and version included) read from the
HTML, the changed fields filled in, and the form posted; a redirect is success.
"""

from __future__ import annotations

import asyncio
import html.parser
import random
import re
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

QUESTIONS = [
    "baby hurt by mum's new partner",
    "teenager made to sell drugs in another town",
    "kids left hungry and cold at home for years",
    "school not told about violence at home",
    "infant died while sleeping with parent",
    "girl groomed by older men online",
    "young mum hid her pregnancy from everyone",
    "boy self harming on waiting list for help",
    "disabled child missing hospital appointments",
    "police did not tell the school about fights at home",
    "what went wrong when the foster placement broke down",
    "family living in one room after eviction",
]
WORDS = ["neglect", "bruising", "exploitation", "SUDI", "county lines", "domestic abuse"]
OFFICE_PAGES = [
    "/app/",
    "/app/actions/all/",
    "/app/actions/all/?status=overdue",
    "/app/actions/plans/",
    "/app/reviews/",
    "/app/notifications/",
    "/app/briefings/",
    "/app/actions/",
]
LEAD_PAGES = ["/app/", "/app/actions/", "/app/notifications/", "/app/briefings/", "/app/reviews/"]
WRITE_SHARE = 0.2  # one page opening in five is a save
CONFLICT = "stale edit refused"


class LoopbackOnly(Exception):
    pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str]


async def fetch(
    host: str, port: int, method: str, path: str, *, cookies=None, data=None, timeout: float = 30.0
) -> Reply:
    """One request on its own connection (gunicorn's sync workers close after each)."""
    if not host.startswith("127."):
        raise LoopbackOnly(host)
    body = urlencode(data).encode() if data is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: close",
        "User-Agent: sightline-bench",
    ]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if data is not None:
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
            f"Origin: http://{host}:{port}",
            f"Referer: http://{host}:{port}{path}",
        ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    return await asyncio.wait_for(_exchange(host, port, request), timeout)


async def _exchange(host: str, port: int, request: bytes) -> Reply:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers, cookies = {}, {}
        for line in header_lines:
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
            headers[name] = value
        if "content-length" in headers:
            payload = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _chunked(reader)
        else:
            payload = await reader.read()
        return Reply(status, headers, payload, cookies)
    finally:
        writer.close()


async def _chunked(reader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


class _Form(html.parser.HTMLParser):
    """The fields of the page's largest POST form, with their current values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.current: dict[str, str] | None = None
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = {}
            self.forms.append(self.current)
        if self.current is None or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.current[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current[a["name"]] = ""
        elif tag == "select":
            self.select = a["name"]
            self.current.setdefault(a["name"], "")
        elif tag == "option" and self.select and "selected" in a:
            self.current[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current[self.textarea] += (
                data.lstrip("\n") if not self.current[self.textarea] else data
            )


def form_fields(page: bytes) -> dict[str, str]:
    parser = _Form()
    parser.feed(page.decode("utf-8", "replace"))
    forms = [f for f in parser.forms if "csrfmiddlewaretoken" in f]
    return max(forms, key=len) if forms else {}


@dataclass
class Sample:
    group: str  # "signed-in", "public" or "floor"
    what: str
    status: int | None
    ms: float
    error: str = ""


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    dropped: int = 0

    def add(self, *args, **kwargs):
        self.samples.append(Sample(*args, **kwargs))

    def summary(self, group: str, seconds: float) -> dict:
        rows = [s for s in self.samples if s.group == group]
        ok = [s.ms for s in rows if not s.error]
        # A save shown again is the stale-edit page: another connection saved the same record
        # first, and optimistic locking refused to overwrite it. Counted, but not an error.
        conflicts = [s for s in rows if s.error == CONFLICT]
        errors = [s for s in rows if s.error and s.error != CONFLICT]
        kinds: dict[str, int] = {}
        for s in errors:
            kinds[s.error] = kinds.get(s.error, 0) + 1
        return {
            "requests": len(rows),
            "per_second": round(len(rows) / seconds, 1) if seconds else None,
            "ok_per_second": round(len(ok) / seconds, 1) if seconds else None,
            "errors": len(errors),
            "conflicts": len(conflicts),
            "timeouts": sum(1 for s in errors if s.error == "timeout"),
            "error_kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:8]),
            "p50_ms": round(percentile(ok, 50), 1) if ok else None,
            "p95_ms": round(percentile(ok, 95), 1) if ok else None,
            "max_ms": round(max(ok), 1) if ok else None,
        }


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[pct - 1]


class Person:
    """One signed-in member of staff: their session and what they open and save."""

    def __init__(self, spec: dict, cookies: dict[str, str]):
        self.spec, self.cookies = spec, cookies
        pages = OFFICE_PAGES if spec["role"] == "business_unit" else LEAD_PAGES
        self.pages = list(pages) + [f"/app/actions/{r}/" for r in spec["actions"][:3]]
        self.writes = []
        if spec["actions"]:
            self.writes.append("progress")
        if spec["returns"]:
            self.writes.append("return")
        if spec["acknowledgements"]:
            self.writes.append("acknowledge")


async def sign_in(host, port, spec: dict, password: str, timeout: float) -> Person:
    page = await fetch(host, port, "GET", "/app/sign-in/", timeout=timeout)
    fields = form_fields(page.body)
    fields.update(email=spec["email"], password=password)
    reply = await fetch(
        host, port, "POST", "/app/sign-in/", cookies=page.cookies, data=fields, timeout=timeout
    )
    if reply.status != 302 or "sign-in" in reply.headers.get("location", ""):
        raise RuntimeError(f"sign-in as {spec['email']} answered {reply.status}")
    return Person(spec, {**page.cookies, **reply.cookies})


def _fill(kind: str, fields: dict[str, str], rng: random.Random, day) -> dict[str, str]:
    if kind == "progress":
        fields["note"] = f"Bench update {rng.randint(1, 10**6)}: training delivered to the team."
    elif kind == "return":
        fields.pop("action", None)  # save without submitting, so it stays editable
        for name in (
            "involvement",
            "key_practice_episodes",
            "immediate_safety_actions",
            "early_learning",
        ):
            fields[name] = f"Bench draft {rng.randint(1, 10**6)}: contact in the last year."
    elif kind == "acknowledge":
        fields["teams"] = "Emergency department; health visiting"
        fields["staff_reached"] = str(rng.randint(5, 300))
        fields["changes"] = "Added to supervision and checked in the next audit."
        for name in list(fields):
            if name.startswith("cascade_date"):
                part = name.rsplit("_", 1)[-1]
                fields[name] = str(
                    {"day": day.day, "month": day.month, "year": day.year}.get(part, fields[name])
                )
    return fields


class Runner:
    def __init__(
        self,
        host: str,
        port: int,
        people: list[Person],
        items: list[str],
        *,
        timeout: float,
        seed: int,
        day,
    ):
        self.host, self.port, self.people, self.items = host, port, people, items
        self.timeout, self.rng, self.day = timeout, random.Random(seed), day
        self.stats = Stats()

    async def _one(self, group, what, method, path, due, cookies=None, data=None) -> Reply | None:
        try:
            reply = await fetch(
                self.host, self.port, method, path, cookies=cookies, data=data, timeout=self.timeout
            )
        except TimeoutError:
            self.stats.add(group, what, None, (time.perf_counter() - due) * 1000, "timeout")
            return None
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            self.stats.add(
                group, what, None, (time.perf_counter() - due) * 1000, type(exc).__name__
            )
            return None
        ms = (time.perf_counter() - due) * 1000
        if cookies is not None and reply.cookies:
            cookies.update(reply.cookies)
        error = ""
        location = reply.headers.get("location", "")
        if reply.status >= 400:
            error = f"HTTP {reply.status}"
        elif reply.status in (301, 302, 303) and "sign-in" in location:
            error = "signed out"
        elif method == "POST" and reply.status == 200:
            # Someone else's save first (the stale-edit page), or the form refused the entries.
            stale = b"Someone else changed this record" in reply.body
            error = CONFLICT if stale else "form shown again with an error"
        self.stats.add(group, what, reply.status, ms, error)
        return reply

    async def signed_in(self, due: float) -> None:
        person = self.rng.choice(self.people)
        if person.writes and self.rng.random() < WRITE_SHARE:
            kind = self.rng.choice(person.writes)
            spec = person.spec
            url = {
                "progress": lambda: f"/app/actions/{self.rng.choice(spec['actions'])}/progress/",
                "return": lambda: self.rng.choice(spec["returns"]),
                "acknowledge": lambda: self.rng.choice(spec["acknowledgements"]),
            }[kind]()
            page = await self._one("signed-in", f"{kind} form", "GET", url, due, person.cookies)
            if page is None or page.status != 200:
                return
            fields = _fill(kind, form_fields(page.body), self.rng, self.day)
            await self._one(
                "signed-in",
                f"{kind} save",
                "POST",
                url,
                time.perf_counter(),
                person.cookies,
                fields,
            )
            return
        path = self.rng.choice(person.pages)
        await self._one("signed-in", path.split("?")[0], "GET", path, due, person.cookies)

    async def public(self, due: float) -> None:
        if self.items and self.rng.random() < 0.4:
            await self._one(
                "public", "library item", "GET", f"/library/{self.rng.choice(self.items)}/", due
            )
            return
        q = self.rng.choice(QUESTIONS) if self.rng.random() < 0.7 else self.rng.choice(WORDS)
        await self._one("public", "library search", "GET", "/library/?" + urlencode({"q": q}), due)

    async def floor(self, due: float) -> None:
        await self._one("floor", "floor", "GET", "/bench/floor", due)


async def open_loop(
    runner: Runner, rates: dict[str, float], seconds: float, max_in_flight: int = 3000
) -> dict:
    """Poisson arrivals at `rates` (per second, by flow name) for `seconds`."""
    tasks: set[asyncio.Task] = set()
    start = time.perf_counter()
    end = start + seconds

    async def arrivals(name: str, rate: float) -> None:
        flow = getattr(runner, name.replace("-", "_"))
        rng = random.Random(hash(name) & 0xFFFF)
        due = start
        while True:
            due += rng.expovariate(rate)
            if due >= end:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if len(tasks) >= max_in_flight:
                runner.stats.dropped += 1
                continue
            task = asyncio.ensure_future(flow(due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    await asyncio.gather(*(arrivals(n, r) for n, r in rates.items() if r > 0))
    if tasks:
        await asyncio.wait(tasks, timeout=runner.timeout + 5)
    for task in list(tasks):
        task.cancel()
    elapsed = time.perf_counter() - start
    return _report(runner, elapsed, seconds)


async def closed_loop(runner: Runner, flow: str, connections: int, seconds: float) -> dict:
    start = time.perf_counter()
    end = start + seconds
    step = getattr(runner, flow.replace("-", "_"))

    async def one_connection() -> None:
        while time.perf_counter() < end:
            await step(time.perf_counter())

    workers = [asyncio.ensure_future(one_connection()) for _ in range(connections)]
    done, pending = await asyncio.wait(workers, timeout=seconds + runner.timeout + 5)
    for task in pending:
        task.cancel()
    return _report(runner, time.perf_counter() - start, seconds)


def _report(runner: Runner, elapsed: float, seconds: float) -> dict:
    groups = sorted({s.group for s in runner.stats.samples})
    return {
        "seconds": round(seconds, 1),
        "elapsed": round(elapsed, 1),
        "dropped": runner.stats.dropped,
        **{g: runner.stats.summary(g, seconds) for g in groups},
        "by_page": _by_page(runner.stats),
    }


def _by_page(stats: Stats) -> dict:
    pages: dict[str, list[float]] = {}
    for s in stats.samples:
        if not s.error:
            pages.setdefault(f"{s.group}: {s.what}", []).append(s.ms)
    return {
        k: {
            "n": len(v),
            "p50_ms": round(percentile(v, 50), 1),
            "p95_ms": round(percentile(v, 95), 1),
        }
        for k, v in sorted(pages.items())
    }


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1).decode() if found else ""
