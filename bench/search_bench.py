"""Library search at scale: 5,000 items, about 60 million characters of text.

    .venv/bin/python bench/search_bench.py                   # SQLite (a fresh file)
    DATABASE_URL=postgres://... .venv/bin/python bench/search_bench.py   # PostgreSQL too
    options: --items N  --chars N  --queries N  --seed N  --keep

What it does:

1. Generates N synthetic items (default 5,000 of ~12,000 characters) as a back-catalogue
   JSONL file: a Zipf-distributed mix of ~1,000 common English words (Faker's list), a long
   tail of ~30,000 rarer made-up words (names, places, jargon), and safeguarding terms and
   abbreviations clustered by each item's topics, with titles, summaries, themes, years and
   review types like the real catalogue.
2. Imports it with `library_import` (the same code path as the command: items saved, themes
   mapped, index written in batches) into a fresh SQLite database, and into a fresh PostgreSQL
   database on the server in DATABASE_URL when that is set.
3. Times 200 queries of mixed kinds (single terms, abbreviations, phrases, natural questions,
   misspellings, facet filters, later pages) through `search()` — the server-side call the
   views make, snippets and facets included — with and without the embedding blend, and the
   bare engine query for the same words (FTS5 MATCH ... ORDER BY rank LIMIT 10 /
   tsvector @@ tsquery ORDER BY ts_rank_cd LIMIT 10). Prints p50/p95 and the ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOPICS = {
    "nai": "non-accidental injury NAI bruising fracture skull head injury non-mobile baby "
    "paediatric assessment father male carer partner household invisible men",
    "sudi": "sudden unexpected death in infancy SUDI safe sleep co-sleeping sofa alcohol "
    "drugs infant cot bedtime routine disrupted night",
    "cce": "child criminal exploitation CCE county lines drug running missing episodes "
    "return home interview excluded school alternative provision knife stabbed",
    "cse": "child sexual exploitation CSE grooming older men online contact hotel taxi "
    "missing from care trafficking",
    "neglect": "neglect chronic neglect home conditions hunger cold dirty clothes missed "
    "appointments was not brought cumulative harm graded care profile",
    "da": "domestic abuse DA coercive control police notification Operation Encompass "
    "school MARAC refuge perpetrator violence at home",
    "camhs": "child and adolescent mental health services CAMHS self-harm overdose waiting "
    "list suicide low mood eating disorder",
    "csa": "child sexual abuse CSA disclosure sexualised behaviour intra-familial abuse "
    "medical examination ABE interview",
    "curiosity": "professional curiosity respectful uncertainty escalation challenge "
    "disguised compliance voice of the child",
    "pregnancy": "concealed pregnancy denied pregnancy teenage mother young parents "
    "pre-birth assessment midwife hospital birth",
    "disability": "disabled children SEND EHCP cerebral palsy communication needs respite "
    "short breaks",
    "fgm": "female genital mutilation FGM honour-based abuse forced marriage travel abroad",
    "radicalisation": "radicalisation Prevent extremism online propaganda Channel referral",
    "housing": "temporary accommodation homelessness housing officer overcrowding eviction",
    "lac": "looked after children LAC CLA foster carer placement breakdown residential "
    "children's home leaving care",
}
THEMES = [
    "Neglect", "Domestic abuse", "Non-accidental injury", "Safe sleep",
    "Child criminal exploitation", "Child sexual exploitation", "Child sexual abuse",
    "Mental health", "Self-harm", "Professional curiosity", "Information sharing",
    "Fathers and male carers", "Disabled children", "Missed appointments",
    "Concealed pregnancy", "Young parents", "Parental substance misuse", "Escalation",
    "Online harm", "Missing children", "Transitions", "Culture and faith", "Housing",
    "Looked after children", "Radicalisation", "Female genital mutilation",
    "Adolescent neglect", "Early help", "Pre-birth assessment", "Voice of the child",
]  # fmt: skip
REVIEW_TYPES = ["LCSPR", "SCR", "rapid review", "thematic review", "national review"]
NAMES = ["Child A", "Baby B", "Callum", "Priya", "Jordan", "Ellie", "Baby T", "Sami", "Noah",
         "Child K", "Leah", "Tariq", "Mia", "Baby R", "Kacper", "Zara"]  # fmt: skip

QUESTION_TEMPLATES = [
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
SINGLE = ["neglect", "bruising", "exploitation", "overdose", "grooming", "eviction",
          "fracture", "escalation", "pregnancy", "radicalisation", "injuries", "appointments",
          "trafficking", "refuge", "respite", "homelessness"]  # fmt: skip
ABBREVIATIONS = ["SUDI", "NAI", "CSE", "CCE", "CSA", "DA", "CAMHS", "LCSPR", "SCR", "FGM",
                 "LAC", "SEND", "EHCP", "MARAC"]  # fmt: skip
PHRASES = ['"county lines"', '"was not brought"', '"safe sleep"', '"coercive control"',
           '"professional curiosity"', '"home conditions"']  # fmt: skip
MISSPELT = ["neglekt", "brusing", "profesional curiosity", "exploitaton", "domestik abuse",
            "overdoze", "pregnacy", "trafficing", "radicalization", "apointments"]  # fmt: skip


# --------------------------------------------------------------------------- generation


def _long_tail(rng: random.Random, count: int) -> list[str]:
    onsets = "b br c ch cl d dr f g gr h j k l m n p pr r s sh st t th tr v w y z".split()
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "oo", "ie"]
    codas = ["", "n", "r", "l", "s", "t", "ck", "nd", "st", "rd", "m", "ng", "x"]
    words = set()
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 4))
        words.add("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                          for _ in range(syllables)))  # fmt: skip
    return sorted(words)


class Writer:
    """Zipf-distributed words: common English first, then the long tail."""

    def __init__(self, rng: random.Random):
        from faker.providers.lorem.en_US import Provider

        self.rng = rng
        common = list(Provider.word_list)
        rng.shuffle(common)
        self.vocabulary = common + _long_tail(rng, 30_000)
        weights = [1 / (rank + 1) ** 1.07 for rank in range(len(self.vocabulary))]
        total = sum(weights)
        self.cumulative = []
        running = 0.0
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def text(self, chars: int, topics: list[str]) -> str:
        topic_words = [w for t in topics for w in TOPICS[t].split()]
        sentences, size = [], 0
        while size < chars:
            length = self.rng.randint(8, 22)
            words = self.words(length)
            for n in range(len(words)):
                if self.rng.random() < 0.12:
                    words[n] = self.rng.choice(topic_words)
            sentence = " ".join(words)
            sentence = sentence[0].upper() + sentence[1:] + "."
            sentences.append(sentence)
            size += len(sentence) + 1
        return " ".join(sentences)[:chars]


def generate(path: Path, items: int, chars: int, seed: int) -> int:
    rng = random.Random(seed)
    writer = Writer(rng)
    topic_names = sorted(TOPICS)
    total = 0
    with path.open("w", encoding="utf-8") as handle:
        for n in range(items):
            topics = rng.sample(topic_names, rng.choice((1, 2, 2, 3)))
            kind = "review" if rng.random() < 0.6 else "briefing"
            name = rng.choice(NAMES)
            headline = " ".join(TOPICS[topics[0]].split()[:3])
            if kind == "review":
                review_type = rng.choice(REVIEW_TYPES)
                title = f"{review_type.upper() if review_type.isupper() else review_type.title()}: {name} ({headline}) {n}"  # noqa: E501
            else:
                review_type = None
                title = f"7-minute briefing: {headline} {n}"
            year = rng.randint(2010, 2025)
            published = (
                str(year)
                if rng.random() < 0.2
                else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"  # noqa: E501
            )
            body_chars = int(rng.gauss(chars, chars * 0.25))
            record = {
                "id": f"bench-{n:05d}",
                "kind": kind,
                "title": title,
                "child": name if kind == "review" else None,
                "partnership": f"{rng.choice(['Northvale', 'Eastmoor', 'Westbridge', 'Southdale'])} Safeguarding Children Partnership",  # noqa: E501
                "published": published,
                "review_type": review_type,
                "themes": rng.sample(THEMES, rng.randint(1, 4)),
                "summary": writer.text(rng.randint(150, 400), topics),
                "text": writer.text(max(500, body_chars), topics),
                "url": None,
            }
            total += len(record["text"]) + len(record["summary"])
            handle.write(json.dumps(record) + "\n")
    return total


def queries(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed + 1)
    kinds = [
        ("single", lambda: {"q": rng.choice(SINGLE)}),
        ("abbreviation", lambda: {"q": rng.choice(ABBREVIATIONS)}),
        ("two words", lambda: {"q": f"{rng.choice(SINGLE)} {rng.choice(SINGLE)}"}),
        ("phrase", lambda: {"q": rng.choice(PHRASES)}),
        ("question", lambda: {"q": rng.choice(QUESTION_TEMPLATES)}),
        ("misspelt", lambda: {"q": rng.choice(MISSPELT)}),
        (
            "filtered",
            lambda: {
                "q": rng.choice(SINGLE + ABBREVIATIONS),
                "kind": "review",
                "year": rng.randint(2012, 2024),
            },
        ),  # fmt: skip
        ("page 3", lambda: {"q": rng.choice(SINGLE), "page": 3}),
    ]
    result = []
    for n in range(count):
        label, make = kinds[n % len(kinds)]
        result.append({"label": label, **make()})
    rng.shuffle(result)
    return result


# --------------------------------------------------------------------------- running


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


def run_engine(args, data: Path, workdir: Path, database_url: str) -> dict:
    """Run this file again in a child process set up for one database."""
    env = dict(os.environ)
    env.update(
        SIGHTLINE_DEMO="true",
        SIGHTLINE_VAR_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="config.settings",
        SIGHTLINE_LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SIGHTLINE_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    command = [sys.executable, __file__, "--child", str(data), "--queries", str(args.queries),
               "--seed", str(args.seed)]  # fmt: skip
    output = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write(output.stderr)
    if output.returncode:
        sys.stderr.write(output.stdout)
        raise SystemExit(f"The benchmark failed on {database_url or 'SQLite'}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def fresh_postgres(url: str) -> str:
    """A new empty database beside the one in `url` (dropped first if left over)."""
    import psycopg
    from psycopg import sql

    base, _, _ = url.rpartition("/")
    name = "sightline_search_bench"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{base}/{name}"


def child(data: Path, count: int, seed: int) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sightline.publishing.library import import_catalogue
    from sightline.publishing.search import engine, semantic

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with data.open(encoding="utf-8") as handle:
        result = import_catalogue(
            handle,
            batch_size=200,
            progress=lambda lines, r: (
                print(f"  {lines} lines imported", file=sys.stderr) if lines % 1000 == 0 else None
            ),
        )
    import_seconds = time.perf_counter() - started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO publishing_library_fts(publishing_library_fts) VALUES('optimize')"
            )
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE publishing_library_search")
    plan = queries(count, seed)
    for spec in plan[:20]:  # warm the caches, the model and the database's pages
        engine.search(**_args(spec))
    timings: dict[str, list[float]] = {"blend": [], "text": [], "raw": []}
    by_kind: dict[str, list[float]] = {}
    for spec in plan:
        args = _args(spec)
        for label, blend in (("blend", True), ("text", False)):
            started = time.perf_counter()
            engine.search(**args, semantic_blend=blend)
            elapsed = (time.perf_counter() - started) * 1000
            timings[label].append(elapsed)
            if label == "blend":
                by_kind.setdefault(spec["label"], []).append(elapsed)
        expression = engine.raw_expression(spec["q"])
        started = time.perf_counter()
        engine.raw_engine_query(expression, 10)
        timings["raw"].append((time.perf_counter() - started) * 1000)
    summary = {
        "engine": connection.vendor,
        "items": result.imported,
        "import_seconds": round(import_seconds, 1),
        "semantic_model": semantic.available(),
    }
    for label, values in timings.items():
        summary[label] = {
            "p50": round(statistics.median(values), 2),
            "p95": round(percentile(values, 0.95), 2),
        }
    summary["by_kind_p95"] = {k: round(percentile(v, 0.95), 2) for k, v in sorted(by_kind.items())}
    summary["quality"] = quality_among_distractors()
    return summary


def quality_among_distractors() -> dict:
    """The sample catalogue and its queries, with the generated items as distractors."""
    from sightline.publishing.library import import_catalogue
    from sightline.publishing.tests.test_library_support import SAMPLE
    from sightline.publishing.tests.test_search_quality import measure

    with SAMPLE.open(encoding="utf-8") as handle:
        import_catalogue(handle)
    result = {}
    for label, blend in (("blend", True), ("text", False)):
        measured = measure(blend)
        result[label] = {
            "recall@5": round(measured["recall@5"], 3),
            "ndcg@10": round(measured["ndcg@10"], 3),
            "weak": [(q, round(s, 3)) for q, s in measured["weak"]],
            "misses": measured["misses"],
        }
    return result


def _args(spec: dict) -> dict:
    args = {k: v for k, v in spec.items() if k not in ("label", "q")}
    return {"query": spec["q"], **args}


def report(result: dict) -> None:
    raw, blend, text = result["raw"], result["blend"], result["text"]
    print(
        f"\n== {result['engine']}: {result['items']} items, imported and indexed in "
        f"{result['import_seconds']} s (embedding model: {result['semantic_model']})"
    )
    rows = [("search() with embedding blend", blend), ("search() text only", text),
            ("bare engine query", raw)]  # fmt: skip
    for label, values in rows:
        print(f"  {label:30} p50 {values['p50']:7.2f} ms   p95 {values['p95']:7.2f} ms")
    p50, p95 = blend["p50"] / raw["p50"], blend["p95"] / raw["p95"]
    print(f"  {'ratio search()/bare query':30} p50 {p50:7.2f}      p95 {p95:7.2f}")
    kinds = ", ".join(f"{k} {v} ms" for k, v in result["by_kind_p95"].items())
    print(f"  p95 by query kind (blend): {kinds}")
    for label, quality in result["quality"].items():
        print(f"  sample queries among the generated items ({label}): recall@5 "
              f"{quality['recall@5']}, nDCG@10 {quality['ndcg@10']}, "
              f"no-answer top score {quality['weak']}")  # fmt: skip
        for miss in quality["misses"]:
            print(f"    missed: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--chars", type=int, default=12000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.queries, args.seed)))
        return
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-", dir=ROOT / "var"))
    data = workdir / "catalogue.jsonl"
    started = time.perf_counter()
    chars = generate(data, args.items, args.chars, args.seed)
    print(f"Generated {args.items} items, {chars / 1e6:.1f} million characters, "
          f"in {time.perf_counter() - started:.1f} s ({data})")  # fmt: skip
    results = [run_engine(args, data, workdir, "")]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        results.append(run_engine(args, data, workdir, fresh_postgres(os.environ["DATABASE_URL"])))
    for result in results:
        report(result)
    if not args.keep:
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


if __name__ == "__main__":
    main()
