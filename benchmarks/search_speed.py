"""Speed of the embedded search backend: need → top 20 at 1k, 10k and 100k startups.

For each size it prints:

- raw upsert throughput of the backend (documents/s, vectors given, no embedding);
- the cold load (first search of a fresh process state: reading the index into memory);
- p50/p95 latency of need → top 20, query embedding included (USE for every need, MiniLM too
  for the English ones, as ``matching.fusion``'s defaults weigh them; ratio 0.8; filter
  ``status = active AND matchable = true``), idle and while a reindex runs in another process
  (that process embeds each batch with USE, 2 threads, and upserts it into the same index);
- at the largest size: the index on disk and in memory (a fresh process without models).

The startups grow from the 419 real profiles of ``../shared/data/yc_startups.json``: variant k
of a profile gets a numbered name, one sentence borrowed from another profile, one extra tag
and random facets (stage, country, size, year, verified, status). Documents are built with
``matching.documents.startup_document`` so fields are the real index's. Vectors: the real USE
and MiniLM vectors of the 419 profiles (computed once, cached in ``benchmarks/.cache/``); a
variant's vector is its profile's vector mixed with the borrowed profile's and a little noise,
renormalised. Search cost does not depend on vector values (exact cosine over every row), so
this measures the same work as real vectors would.

Run from the project root (2 cores; the 100k size takes several minutes)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/search_speed.py [--sizes 1000,10000,100000] [--queries 120]

``OMP_WAIT_POLICY=PASSIVE`` (``matching.embeddings`` sets it unless the environment does) stops
torch's OpenMP threads from spinning after each MiniLM call; measured here on a busy machine it
cut MiniLM's p50 from ~320 to ~55 ms. The table header says which policy was in effect.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matching.backends.base import And, EmbedderSpec, Eq, SearchQuery  # noqa: E402
from matching.backends.embedded import EmbeddedBackend  # noqa: E402
from matching.documents import StartupText, index_settings, startup_document  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "benchmarks" / ".cache" / "search_speed"
EMBEDDERS = (EmbedderSpec("use", 512), EmbedderSpec("minilm", 384))
INDEX = "startups"
RATIO = 0.8
FILTER = And((Eq("status", "active"), Eq("matchable", True)))
STAGES = ("pre-seed", "seed", "series-a", "series-b", "growth")
COUNTRIES = ("KR", "US", "GB", "DE", "JP", "SG", "FR", "IN")
BATCH = 1000


# -- data ------------------------------------------------------------------------------------------


def profiles() -> list[dict[str, Any]]:
    return json.loads((DATA / "yc_startups.json").read_text())


def needs() -> list[dict[str, Any]]:
    return json.loads((DATA / "match_queries.json").read_text())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text or "") if len(s) > 20]


def base_vectors(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Real USE and MiniLM vectors of the profiles' texts, cached on disk."""
    texts = [f"{r['name']}. {r['one_liner']}. {r['long_description'] or ''}" for r in records]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"base-{key}.npz"
    if path.exists():
        stored = np.load(path)
        return {name: stored[name] for name in stored.files}
    from matching.embeddings import load_embedder

    print(f"embedding {len(texts)} profiles once (cached in {path.relative_to(ROOT)}) ...", flush=True)
    vectors = {spec.name: load_embedder(spec.name, threads=2).embed(texts) for spec in EMBEDDERS}
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE.parent / ".gitignore").write_text("*\n")
    np.savez(path, **vectors)
    return vectors


def documents(count: int, records: list[dict[str, Any]], vectors: dict[str, np.ndarray]) -> Iterator[dict[str, Any]]:
    """``count`` startup documents (profiles first, then their variants), with vectors."""
    sentences = [_sentences(r["long_description"]) for r in records]
    all_tags = sorted({t for r in records for t in r["tags"]})
    names = ["use", "minilm"]
    for j in range(count):
        i, k = j % len(records), j // len(records)
        rng = random.Random(j)
        record = records[i]
        other = rng.randrange(len(records))
        borrowed = rng.choice(sentences[other]) if k and sentences[other] else ""
        tags = list(record["tags"]) + ([rng.choice(all_tags)] if k else [])
        startup = StartupText(
            id=f"yc{record['id']}-{k}",
            name=record["name"] if k == 0 else f"{record['name']} {k}",
            one_liner={"en": record["one_liner"]},
            description={"en": " ".join(filter(None, [record["long_description"] or "", borrowed]))},
            tags=tuple(tags),
            facets={
                "sectors": [_slug(x) for x in record["industries"]],
                "technologies": [_slug(t) for t in tags[:4]],
                "stage": rng.choice(STAGES),
                "country": rng.choice(COUNTRIES),
                "team_size": record["team_size"] or rng.randrange(1, 200),
                "founded_year": 2005 + rng.randrange(20),
                "verified": rng.random() < 0.3,
                "status": "active" if rng.random() < 0.9 else "inactive",
                "matchable": rng.random() < 0.95,
            },
        )
        fields = dict(startup_document(startup, names).fields)
        mixed = {}
        for name in names:
            base = vectors[name][i]
            if k:
                noise = np.random.default_rng(j).standard_normal(base.shape).astype(np.float32) * 0.02
                base = base + 0.35 * vectors[name][other] + noise
            mixed[name] = (base / np.linalg.norm(base)).astype(np.float32)
        fields["_vectors"] = mixed
        yield fields


# -- measurements -------------------------------------------------------------------------------


def build(folder: Path, count: int, records, vectors) -> tuple[EmbeddedBackend, float]:
    """Index ``count`` documents; returns the backend and upsert documents/s (backend time only)."""
    backend = EmbeddedBackend(folder)
    backend.ensure_index(index_settings(INDEX, EMBEDDERS))
    spent = 0.0
    batch: list[dict[str, Any]] = []
    for document in documents(count, records, vectors):
        batch.append(document)
        if len(batch) == BATCH:
            started = time.perf_counter()
            backend.upsert(INDEX, batch)
            spent += time.perf_counter() - started
            batch = []
    if batch:
        started = time.perf_counter()
        backend.upsert(INDEX, batch)
        spent += time.perf_counter() - started
    return backend, count / spent


class QueryEncoder:
    """Embeds a need as the matching service's defaults do: USE always, MiniLM for English."""

    def __init__(self) -> None:
        from matching.embeddings import load_embedder

        self.use = load_embedder("use", threads=2)
        self.minilm = load_embedder("minilm", threads=2)

    def __call__(self, need: dict[str, Any]) -> dict[str, np.ndarray]:
        vectors = {"use": self.use.embed([need["need"]])[0]}
        if need["lang"] == "en":
            vectors["minilm"] = self.minilm.embed([need["need"]])[0]
        return vectors


def latencies(backend: EmbeddedBackend, encoder: QueryEncoder, queries: int) -> dict[str, np.ndarray]:
    """Per query (ms), over ``queries`` runs cycling through the needs: wall time in total and of
    the search alone, and the process CPU time of the search (all threads; less sensitive than
    wall time to other work on the machine)."""
    items = needs()
    total, search, search_cpu = [], [], []
    for n in range(queries):
        need = items[n % len(items)]
        started = time.perf_counter()
        vectors = encoder(need)
        embedded, cpu = time.perf_counter(), time.process_time()
        result = backend.search(INDEX, SearchQuery(need["need"], vectors=vectors, semantic_ratio=RATIO, filter=FILTER, limit=20))
        done, cpu_done = time.perf_counter(), time.process_time()
        assert len(result.hits) == 20, result.total
        total.append((done - started) * 1000)
        search.append((done - embedded) * 1000)
        search_cpu.append((cpu_done - cpu) * 1000)
    return {"total": np.array(total), "search": np.array(search), "search_cpu": np.array(search_cpu)}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _p(values: np.ndarray, q: int) -> str:
    return f"{np.percentile(values, q):.1f}"


def reindex_worker(folder: str, count: int) -> None:
    """Another process: re-embed (USE) and upsert every document, batch after batch, until killed."""
    from matching.embeddings import load_embedder

    records = profiles()
    vectors = base_vectors(records)
    use = load_embedder("use", threads=2)
    backend = EmbeddedBackend(Path(folder))
    batch: list[dict[str, Any]] = []
    announced = False
    while True:
        for document in documents(count, records, vectors):
            batch.append(document)
            if len(batch) == 200:
                texts = [f"{d['name']}. {d.get('one_liner_en', '')}. {d.get('description_en', '')}" for d in batch]
                for d, v in zip(batch, use.embed(texts)):
                    d["_vectors"]["use"] = v
                backend.upsert(INDEX, batch)
                batch = []
                if not announced:
                    print("ready", flush=True)
                    announced = True


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(folder: str) -> None:
    """Another process without models: RSS before and after loading the index, and the estimate."""
    before = rss_mb()
    backend = EmbeddedBackend(Path(folder))
    rng = np.random.default_rng(0)
    vectors = {spec.name: rng.standard_normal(spec.dimensions).astype(np.float32) for spec in EMBEDDERS}
    started = time.perf_counter()
    backend.search(INDEX, SearchQuery("battery storage", vectors=vectors, semantic_ratio=RATIO, limit=20))
    load = time.perf_counter() - started
    after = rss_mb()
    print(json.dumps({"rss_before_mb": before, "rss_after_mb": after, "estimate_mb": backend.memory_bytes(INDEX) / 2**20, "load_s": load}))


def measure_under_reindex(folder: Path, count: int, backend: EmbeddedBackend, encoder: QueryEncoder, queries: int):
    worker = subprocess.Popen(
        [sys.executable, __file__, "--reindex-worker", str(folder), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = worker.stdout.readline().strip() if worker.stdout else ""
        if line != "ready":
            raise RuntimeError(f"the reindex worker did not start: {line!r}")
        return latencies(backend, encoder, queries)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--no-reindex", action="store_true", help="skip the measurement during a reindex")
    parser.add_argument("--reindex-worker", nargs=2, metavar=("FOLDER", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--memory-probe", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reindex_worker:
        reindex_worker(args.reindex_worker[0], int(args.reindex_worker[1]))
        return
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    records = profiles()
    vectors = base_vectors(records)
    encoder = QueryEncoder()
    encoder(needs()[0])  # warm up both models
    rows = []
    with tempfile.TemporaryDirectory(prefix="search-speed-") as tmp:
        for count in sizes:
            folder = Path(tmp) / f"n{count}"
            print(f"\n== {count:,} startups", flush=True)
            writer, throughput = build(folder, count, records, vectors)
            writer.close()
            print(f"upsert: {throughput:,.0f} documents/s (vectors given, no embedding)", flush=True)
            backend = EmbeddedBackend(folder)
            started = time.perf_counter()
            backend.search(INDEX, SearchQuery("warm", limit=1))
            cold = time.perf_counter() - started
            print(f"cold load: {cold:.2f} s", flush=True)
            before = load_average()
            idle = latencies(backend, encoder, args.queries)
            print(
                f"idle: p50 {_p(idle['total'], 50)} ms, p95 {_p(idle['total'], 95)} ms; search alone p50 {_p(idle['search'], 50)}, "
                f"p95 {_p(idle['search'], 95)} ms wall, p95 {_p(idle['search_cpu'], 95)} ms CPU (load average {before} → {load_average()})",
                flush=True,
            )
            busy = None
            if not args.no_reindex:
                busy = measure_under_reindex(folder, count, backend, encoder, args.queries)
                print(f"during reindex: p50 {_p(busy['total'], 50)} ms, p95 {_p(busy['total'], 95)} ms", flush=True)
            rows.append((count, throughput, cold, idle, busy, before))
            if count == max(sizes):
                backend.close()
                disk = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
                probe = subprocess.run([sys.executable, __file__, "--memory-probe", str(folder)], capture_output=True, text=True, cwd=ROOT, check=True)
                memory = json.loads(probe.stdout.strip().splitlines()[-1])
            else:
                backend.close()

    policy = os.environ.get("OMP_WAIT_POLICY", "unset (OpenMP's default: threads spin after work)")
    print(f"\nneed → top 20, embedded backend (ms; total = query embedding + search); OMP_WAIT_POLICY {policy}")
    header = (
        f"{'startups':>9} | {'upsert doc/s':>12} | {'cold load s':>11} | {'idle p50':>8} | {'idle p95':>8} | "
        f"{'search p50':>10} | {'search p95':>10} | {'search CPU p95':>14} | {'reindex p50':>11} | {'reindex p95':>11} | {'load avg':>14}"
    )
    print(header)
    print("-" * len(header))
    for count, throughput, cold, idle, busy, before in rows:
        print(
            f"{count:>9,} | {throughput:>12,.0f} | {cold:>11.2f} | {_p(idle['total'], 50):>8} | {_p(idle['total'], 95):>8} | "
            f"{_p(idle['search'], 50):>10} | {_p(idle['search'], 95):>10} | {_p(idle['search_cpu'], 95):>14} | "
            f"{_p(busy['total'], 50) if busy else '-':>11} | {_p(busy['total'], 95) if busy else '-':>11} | {before:>14}"
        )
    print(f"\nat {max(sizes):,} startups: on disk {disk:,.0f} MB (SQLite file + WAL); in memory (fresh process, no models) "
          f"{memory['rss_after_mb'] - memory['rss_before_mb']:,.0f} MB RSS growth, arrays ≈ {memory['estimate_mb']:,.0f} MB; load {memory['load_s']:.1f} s")


if __name__ == "__main__":
    main()
