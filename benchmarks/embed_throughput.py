"""Indexing throughput against the raw throughput of the embedders on the same texts.

Raw: each embedder encodes, in one call, exactly the passages the index documents of the YC
working set give it (``IndexedText.passages_for``), nothing else. Indexing:
``MatchingService.index_startups`` on the same startups into a fresh embedded backend (document
building, the same embedding, averaging, upsert into SQLite and the keyword index). Both are
timed ``--repeat`` times alternately and the best run of each is kept (other processes share
these 2 cores). Prints profiles/s, passages/s and indexing as a share of raw (target >= 80%),
by wall-clock time and by this process's CPU time (less disturbed by other processes).

Run from the project root::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/embed_throughput.py [--limit 419] [--repeat 2] [--embedders use,minilm]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matching.backends.embedded import EmbeddedBackend  # noqa: E402
from matching.embeddings import load_embedders  # noqa: E402
from matching.service import MatchingService  # noqa: E402
from quality import THREADS, load_records, startup_texts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="profiles to use (0 = all 419)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side; the best counts")
    parser.add_argument("--embedders", default="use,minilm", help="comma-separated embedder names")
    args = parser.parse_args()

    startups = startup_texts(load_records())
    if args.limit:
        startups = startups[: args.limit]
    embedders = load_embedders([name.strip() for name in args.embedders.split(",") if name.strip()], threads=THREADS)
    probe = MatchingService(EmbeddedBackend(Path(tempfile.mkdtemp(prefix="hubcity-probe-"))), embedders)
    documents = [probe.document_for(startup) for startup in startups]
    texts = {name: [t for doc in documents for t in doc.passages_for(e.languages)] for name, e in embedders.items()}
    for embedder in embedders.values():  # warm up (first-call allocations, lazy tokenizer loads)
        embedder.embed(["warm up text"] * 8)

    inf = float("inf")
    raw_wall: dict[str, float] = {}
    raw_cpu: dict[str, float] = {}
    index_wall = index_cpu = inf
    for run in range(args.repeat):
        for name, embedder in embedders.items():
            wall, cpu = time.perf_counter(), time.process_time()
            embedder.embed(texts[name])
            raw_wall[name] = min(raw_wall.get(name, inf), time.perf_counter() - wall)
            raw_cpu[name] = min(raw_cpu.get(name, inf), time.process_time() - cpu)
        with tempfile.TemporaryDirectory(prefix="hubcity-throughput-") as folder:
            service = MatchingService(EmbeddedBackend(Path(folder)), embedders)
            service.ensure_indexes()
            wall, cpu = time.perf_counter(), time.process_time()
            service.index_startups(startups)
            index_wall = min(index_wall, time.perf_counter() - wall)
            index_cpu = min(index_cpu, time.process_time() - cpu)
        print(
            f"run {run + 1} (best so far): raw {', '.join(f'{n} {raw_wall[n]:.1f} s' for n in embedders)}; "
            f"indexing {index_wall:.1f} s; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    n = len(startups)
    print(f"\n{n} profiles, threads={THREADS}, best of {args.repeat} (wall-clock s / CPU s of this process)")
    print("| what | wall s | CPU s | profiles/s (wall) | passages/s (wall) |\n|---|---|---|---|---|")
    for name in embedders:
        passages = len(texts[name])
        print(f"| raw {name} ({passages} passages) | {raw_wall[name]:.1f} | {raw_cpu[name]:.1f} | {n / raw_wall[name]:.1f} | {passages / raw_wall[name]:.1f} |")
    wall_total, cpu_total = sum(raw_wall.values()), sum(raw_cpu.values())
    print(f"| raw, all embedders | {wall_total:.1f} | {cpu_total:.1f} | {n / wall_total:.1f} | |")
    print(f"| MatchingService.index_startups | {index_wall:.1f} | {index_cpu:.1f} | {n / index_wall:.1f} | |")
    print(
        f"\nindexing throughput = {wall_total / index_wall:.0%} of the raw embedder throughput by wall clock, "
        f"{cpu_total / index_cpu:.0%} by CPU time (target >= 80%)"
    )


if __name__ == "__main__":
    main()
