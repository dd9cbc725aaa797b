"""Matching quality: nDCG@10 and recall@50 of partner needs over the YC working set.

Indexes the 419 startups of ``../shared/data/yc_startups.json`` (mapped as the platform's
importer maps them: ``hubcity.startups.importing.mapping.map_yc_record``; tags = the YC tags and
batch tag plus the Korean and English labels of the taxonomy terms the record maps to) through
:class:`~matching.service.MatchingService` into the embedded backend, runs the 24 needs of
``../shared/data/match_queries.json`` and prints, per method, nDCG@10 (gain 2^grade − 1) as means
over the English and the Korean needs and recall@50 of grade-2 startups, then nDCG@10 per need
for the main methods. Metrics and grades as ``../shared/data/README.md`` defines them.

Methods: a plain BM25 baseline (own code, over name + one-liner + description + tags),
keyword-only through the backend (without and with the taxonomy glossary), each embedder alone,
the hybrid at several ratios, and the DEFAULT ranking (MatchingService's defaults). With
``--ablations`` it also compares document representations with plain numpy cosines (MiniLM
truncated vs chunked, profile vs profile + summary) and a few fusion variants.
``--demo`` adds a Korean-keyword check on the demo profiles of ``hubcity.demo_profiles``.

Run from the project root (2 cores; takes about a minute, most of it embedding)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/quality.py [--ablations] [--demo]

The working set is also what the defaults were chosen on; a held-out file of 139 companies
exists (data README) to check them on profiles no choice has seen.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = ROOT.parent / "shared" / "data"

from hubcity.startups.importing.mapping import Vocabulary, map_yc_record  # noqa: E402
from hubcity.startups.importing.readers import SourceRecord  # noqa: E402
from hubcity.startups.taxonomy_data import TAXONOMIES  # noqa: E402
from matching.backends.embedded import EmbeddedBackend  # noqa: E402
from matching.documents import STARTUPS_INDEX, StartupText  # noqa: E402
from matching.embeddings import load_embedders  # noqa: E402
from matching.fusion import FusionConfig, LanguagePlan, default_fusion  # noqa: E402
from matching.glossary import Glossary  # noqa: E402
from matching.service import MatchingService  # noqa: E402

THREADS = int(os.environ.get("HUBCITY_CPU_THREADS", os.cpu_count() or 1))
EMBEDDERS = ("use", "minilm")
TAG_KINDS = ("sector", "technology")


# -- data -------------------------------------------------------------------------------------------


def load_records() -> list[dict]:
    return json.loads((DATA / "yc_startups.json").read_text())


def load_needs() -> list[dict]:
    return json.loads((DATA / "match_queries.json").read_text())


def taxonomy_labels() -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, slug) → (Korean label, English label) of the platform's seed taxonomies."""
    return {(kind, slug): (ko, en) for kind, terms in TAXONOMIES.items() for slug, ko, en in terms}


def startup_texts(records: Sequence[dict]) -> list[StartupText]:
    """YC records → StartupText, as the platform maps them (importer mapping + taxonomy labels)."""
    vocabulary = Vocabulary({kind: {slug for slug, _, _ in terms} for kind, terms in TAXONOMIES.items()})
    labels = taxonomy_labels()
    out = []
    for line, record in enumerate(records, start=1):
        draft = map_yc_record(SourceRecord(line=line, data=record), vocabulary)
        if draft.problems:
            raise SystemExit(f"record {line}: {draft.problems}")
        values = draft.values
        terms = [(kind, slug) for kind in TAG_KINDS for slug in (draft.terms or {}).get(kind, [])]
        term_labels = [label for term in terms for label in labels[term]]
        out.append(
            StartupText(
                id=str(draft.external_id),
                name=values["name_en"],
                one_liner={"en": values.get("one_liner_en", "")},
                description={"en": values.get("description_en", "")},
                tags=tuple(values.get("tags", [])) + tuple(term_labels),
                facets={
                    "sectors": (draft.terms or {}).get("sector", []),
                    "technologies": (draft.terms or {}).get("technology", []),
                    "stage": values.get("stage"),
                    "country": values.get("country"),
                    "team_size": values.get("team_size"),
                    "status": values.get("status", "active"),
                    "matchable": True,
                    "source": "yc",
                },
            )
        )
    return out


def glossary() -> Glossary:
    """Korean/English pairs from the sector and technology taxonomy labels (as the platform would give)."""
    return Glossary.from_labels([(ko, en) for (kind, _), (ko, en) in taxonomy_labels().items() if kind in TAG_KINDS])


def grades(need: dict, records: Sequence[dict]) -> dict[str, int]:
    """{startup id: 0, 1 or 2} by the data README's rule (tags, industries, subindustry parts)."""
    two = {label.casefold() for label in need["relevant"]["2"]}
    one = {label.casefold() for label in need["relevant"]["1"]}
    out = {}
    for record in records:
        labels = {tag.casefold() for tag in record["tags"]} | {label.casefold() for label in record["industries"]}
        labels |= {part.strip().casefold() for part in record["subindustry"].split("->")}
        out[str(record["id"])] = 2 if labels & two else 1 if labels & one else 0
    return out


# -- metrics ----------------------------------------------------------------------------------------


def ndcg_at_10(ranked: Sequence[str], grade: dict[str, int]) -> float:
    gains = [2.0 ** grade.get(doc_id, 0) - 1 for doc_id in ranked[:10]]
    dcg = sum(gain / math.log2(position + 2) for position, gain in enumerate(gains))
    ideal = sorted((2.0**g - 1 for g in grade.values()), reverse=True)[:10]
    idcg = sum(gain / math.log2(position + 2) for position, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_50(ranked: Sequence[str], grade: dict[str, int]) -> float:
    relevant = {doc_id for doc_id, g in grade.items() if g == 2}
    return len(relevant & set(ranked[:50])) / len(relevant) if relevant else 0.0


class Scores:
    """Per-need nDCG@10 and recall@50 of one method."""

    def __init__(self, name: str, needs: Sequence[dict], ndcg: Sequence[float], recall: Sequence[float]) -> None:
        self.name, self.needs = name, needs
        self.ndcg, self.recall = np.array(ndcg), np.array(recall)
        self.lang = np.array([need["lang"] for need in needs])

    def mean(self, lang: str | None = None) -> float:
        mask = np.ones(len(self.ndcg), bool) if lang is None else self.lang == lang
        return float(self.ndcg[mask].mean())

    def row(self) -> str:
        return f"| {self.name:<52} | {self.mean():.3f} | {self.mean('en'):.3f} | {self.mean('ko'):.3f} | {self.recall.mean():.3f} |"


def evaluate(name: str, rank: Callable[[str], list[str]], needs: Sequence[dict], grade_sets: Sequence[dict[str, int]]) -> Scores:
    ndcg, recall = [], []
    for need, grade in zip(needs, grade_sets):
        ranked = rank(need["need"])
        ndcg.append(ndcg_at_10(ranked, grade))
        recall.append(recall_at_50(ranked, grade))
    return Scores(name, needs, ndcg, recall)


# -- plain BM25 baseline -----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Bm25Baseline:
    """Okapi BM25 (k1 1.2, b 0.75) over whitespace/punctuation words, no stemming or stop words."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(ids)
        self.docs = [Counter(_tokens(text)) for text in texts]
        self.lengths = np.array([sum(doc.values()) for doc in self.docs], float)
        self.k1, self.b, self.avg = k1, b, self.lengths.mean()
        df = Counter(term for doc in self.docs for term in doc)
        n = len(self.docs)
        self.idf = {term: math.log(1 + (n - count + 0.5) / (count + 0.5)) for term, count in df.items()}

    def rank(self, query: str) -> list[str]:
        scores = np.zeros(len(self.docs))
        for term in set(_tokens(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, doc in enumerate(self.docs):
                tf = doc.get(term)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
                    scores[i] += idf * tf * (self.k1 + 1) / (tf + norm)
        # every startup is ranked; ties (including all that share no word) keep the file order
        return [self.ids[i] for i in np.argsort(-scores, kind="stable")]


# -- methods through the service ------------------------------------------------------------------


def plan_of(weights: dict[str, float], ratio: float, **options) -> LanguagePlan:
    return LanguagePlan(weights=weights, semantic_ratio=ratio, **options)


def both(plan: LanguagePlan) -> FusionConfig:
    return FusionConfig({"en": plan, "ko": plan})


def service_ranker(service: MatchingService, limit: int = 50) -> Callable[[str], list[str]]:
    def rank(text: str) -> list[str]:
        return [hit.id for hit in service.search(STARTUPS_INDEX, text, limit=limit).hits]

    return rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ablations", action="store_true", help="also compare document representations and fusion variants")
    parser.add_argument("--demo", action="store_true", help="also check Korean keywords on the demo profiles")
    parser.add_argument("--per-need", action="store_true", help="print nDCG@10 per need for the main methods")
    parser.add_argument("--index-dir", help="keep the index in this folder and reuse it (only stale startups are re-embedded)")
    args = parser.parse_args()

    records, needs = load_records(), load_needs()
    grade_sets = [grades(need, records) for need in needs]
    startups = startup_texts(records)
    started = time.perf_counter()
    embedders = load_embedders(list(EMBEDDERS), threads=THREADS)
    print(f"models loaded in {time.perf_counter() - started:.1f} s (threads={THREADS})")

    with tempfile.TemporaryDirectory(prefix="hubcity-quality-") as scratch:
        backend = EmbeddedBackend(Path(args.index_dir or scratch))
        service = MatchingService(backend, embedders, glossary=glossary())
        service.ensure_indexes()
        started = time.perf_counter()
        stored = service.fingerprints(STARTUPS_INDEX)
        stale = [s for s in startups if stored.get(s.id) != service.document_for(s).fingerprint]
        service.index_startups(stale)
        print(f"indexed {len(stale)} of {len(startups)} startups (the others were up to date) in {time.perf_counter() - started:.1f} s")

        gloss = glossary()
        default = default_fusion(list(embedders))
        en_weights = dict(default.plan("en").active)

        def with_fusion(fusion: FusionConfig, use_glossary: bool = True) -> Callable[[str], list[str]]:
            return service_ranker(MatchingService(backend, embedders, fusion, gloss if use_glossary else None))

        baseline = Bm25Baseline(
            [s.id for s in startups],
            [" ".join([r["name"], r["one_liner"], r["long_description"] or "", " ".join(r["tags"])]) for r in records],
        )
        methods: list[tuple[str, Callable[[str], list[str]]]] = [
            ("BM25 baseline (own; name, one-liner, description, tags)", baseline.rank),
            ("keyword-only (backend)", with_fusion(both(plan_of({}, 0.0)), use_glossary=False)),
            ("keyword-only (backend) + glossary", with_fusion(both(plan_of({}, 0.0)))),
        ]
        for name in embedders:
            methods.append((f"{name} alone (vectors only)", with_fusion(both(plan_of({name: 1.0}, 1.0)))))
        for ratio in (0.25, 0.5, 0.7, 0.8, 0.9):
            fusion = FusionConfig({lang: replace(default.plan(lang), semantic_ratio=ratio) for lang in ("en", "ko")})
            methods.append((f"hybrid, default weights, ratio {ratio}", with_fusion(fusion)))
        methods.append(("hybrid use+minilm, ratio 1 (vectors only)", with_fusion(both(plan_of(en_weights, 1.0)))))
        if args.ablations:
            methods += fusion_ablations(default, with_fusion)
        methods.append(("DEFAULT (MatchingService defaults)", service_ranker(service)))

        results = []
        print("\n| method | nDCG@10 all | English | Korean | recall@50 |\n|---|---|---|---|---|")
        for name, rank in methods:
            scores = evaluate(name, rank, needs, grade_sets)
            results.append(scores)
            print(scores.row(), flush=True)
        describe_default(default)
        if args.per_need:
            print_per_need(needs, [r for r in results if r.name.startswith(("BM25", "keyword-only (backend) +", "use alone", "minilm alone", "DEFAULT"))])
        if args.ablations:
            representation_ablations(records, startups, needs, grade_sets, embedders)
        if args.demo:
            demo_check(embedders)


def fusion_ablations(default: FusionConfig, with_fusion) -> list[tuple[str, Callable[[str], list[str]]]]:
    en, ko = default.plan("en"), default.plan("ko")
    variants = [
        ("ablation: English use:minilm 2:1", {"en": replace(en, weights={**en.weights, "use": 2 * en.weights.get("use", 1.0)}), "ko": ko}),
        ("ablation: English use:minilm 1:2", {"en": replace(en, weights={**en.weights, "minilm": 2 * en.weights.get("minilm", 1.0)}), "ko": ko}),
        ("ablation: Korean without glossary keywords", {"en": en, "ko": replace(ko, expand_keywords=False)}),
        ("ablation: Korean glossary words also embedded", {"en": en, "ko": replace(ko, expand_vectors=True)}),
        ("ablation: query vectors whole + per sentence", {"en": replace(en, sentence_vectors=True), "ko": replace(ko, sentence_vectors=True)}),
        ("ablation: English without glossary keywords", {"en": replace(en, expand_keywords=False), "ko": ko}),
        ("ablation: request words kept in the keywords", {"en": replace(en, drop_request_words=False), "ko": replace(ko, drop_request_words=False)}),
        ("ablation: Korean ratio 0.9", {"en": en, "ko": replace(ko, semantic_ratio=0.9)}),
        ("ablation: Korean ratio 0.7", {"en": en, "ko": replace(ko, semantic_ratio=0.7)}),
    ]
    return [(name, with_fusion(FusionConfig(plans))) for name, plans in variants]


def describe_default(default: FusionConfig) -> None:
    print("\nDEFAULT plans:")
    for lang in ("en", "ko"):
        plan = default.plan(lang)
        print(
            f"  {lang}: weights {dict(plan.weights)}, semantic_ratio {plan.semantic_ratio}, glossary keywords "
            f"{plan.expand_keywords}, glossary in vectors {plan.expand_vectors}, per-sentence vectors {plan.sentence_vectors}, "
            f"request words dropped {plan.drop_request_words}"
        )


def print_per_need(needs: Sequence[dict], results: Sequence[Scores]) -> None:
    print("\nnDCG@10 per need")
    print("| need | lang | " + " | ".join(r.name.split(" (")[0] for r in results) + " |")
    print("|---|---|" + "---|" * len(results))
    for i, need in enumerate(needs):
        print(f"| {need['id']} | {need['lang']} | " + " | ".join(f"{r.ndcg[i]:.3f}" for r in results) + " |")


# -- ablations of the document representation (numpy, vectors only) -----------------------------------


def representation_ablations(records, startups, needs, grade_sets, embedders) -> None:
    """Cosine-only rankings for different ways of turning a profile into one vector."""
    from matching.documents import startup_document

    print("\nDocument representation (vectors only, plain numpy cosines; queries embedded whole)")
    print("| embedder | representation | nDCG@10 all | English | Korean | recall@50 |\n|---|---|---|---|---|---|")
    docs = [startup_document(s, list(embedders)) for s in startups]
    ids = [s.id for s in startups]
    for name, embedder in embedders.items():
        queries = embedder.embed([need["need"] for need in needs])
        profiles = [d.passages["en"][0] for d in docs]
        summaries = [d.passages["en"][-1] for d in docs]
        variants = {}
        variants["profile (chunked if long)"] = embedder.embed(profiles)
        if name == "minilm":
            model = embedder._model  # the truncating call sentence-transformers makes by itself
            variants["profile truncated at 256 tokens"] = np.asarray(
                model.encode(inputs=profiles, batch_size=64, normalize_embeddings=True, show_progress_bar=False), np.float32
            )
        variants["summary (name, one-liner, tags)"] = embedder.embed(summaries)
        plain = [f"{r['name']}. {r['one_liner']}. {r['long_description'] or ''}" for r in records]
        variants["name, one-liner, description (no tags)"] = embedder.embed(plain)
        both_vec = variants["profile (chunked if long)"] + variants["summary (name, one-liner, tags)"]
        variants["mean of profile and summary (chosen)"] = both_vec / np.linalg.norm(both_vec, axis=1, keepdims=True)
        position = {need["need"]: i for i, need in enumerate(needs)}
        for label, matrix in variants.items():

            def rank(text: str, _m: np.ndarray = matrix) -> list[str]:
                return [ids[i] for i in np.argsort(-(_m @ queries[position[text]]), kind="stable")]

            s = evaluate(label, rank, needs, grade_sets)
            print(f"| {name} | {label} | {s.mean():.3f} | {s.mean('en'):.3f} | {s.mean('ko'):.3f} | {s.recall.mean():.3f} |")


# -- Korean keywords on the demo content ----------------------------------------------------------------


def demo_check(embedders) -> None:
    """Index the demo profiles (Korean only, English only, both) and run Korean keyword queries."""
    from hubcity.demo_profiles import PROFILES

    labels = taxonomy_labels()
    startups = []
    for number, profile in enumerate(PROFILES, start=1):
        v = profile.values
        terms = [("sector", s) for s in profile.sectors] + [("technology", t) for t in profile.technologies]
        startups.append(
            StartupText(
                id=f"demo{number}",
                name={lang: v.get(f"name_{lang}", "") for lang in ("ko", "en") if v.get(f"name_{lang}")},
                one_liner={lang: v.get(f"one_liner_{lang}", "") for lang in ("ko", "en")},
                description={lang: v.get(f"description_{lang}", "") for lang in ("ko", "en")},
                tags=tuple(v.get("tags", [])) + tuple(label for term in terms for label in labels[term]),
                facets={"sectors": list(profile.sectors), "technologies": list(profile.technologies)},
            )
        )
    names = {s.id: (s.name.get("ko") or s.name.get("en")) for s in startups}
    with tempfile.TemporaryDirectory(prefix="hubcity-demo-") as folder:
        service = MatchingService(EmbeddedBackend(Path(folder)), embedders, glossary=glossary())
        service.ensure_indexes()
        service.index_startups(startups)
        print("\nKorean keywords on the demo profiles (keyword-only, ratio 0, then the default hybrid)")
        print("| query | keyword-only hits | default top 3 |\n|---|---|---|")
        for query in ("배터리", "배터리를", "음성 인식", "불량 검사", "태양광 드론 점검", "흉부 X선 판독", "물류 로봇", "전력 수요 예측"):
            keyword = service.search(STARTUPS_INDEX, query, limit=5, semantic_ratio=0.0)
            hybrid = service.search(STARTUPS_INDEX, query, limit=3)
            print(
                f"| {query} | {', '.join(names[h.id] for h in keyword.hits) or '(none)'} | "
                f"{', '.join(names[h.id] for h in hybrid.hits)} |"
            )


if __name__ == "__main__":
    main()
