"""The Meilisearch search backend (DESIGN.md §5), on the official client ``meilisearch`` 0.43.

**Not run against a live Meilisearch server here**: no server can be installed or reached on
this machine. It is tested by request/response tests against the payloads the Meilisearch
documentation and the server's own test suite give (``tests/matching/test_meili_backend.py``),
and by the shared contract suite wherever ``HUBCITY_MEILI_URL`` points at a server (>= 1.13).

How the contract maps onto Meilisearch:

- Index ``uid`` ``startups`` lives in Meilisearch as ``{index_prefix}startups`` with primary key
  ``id``. Settings: searchable/filterable/sortable attributes, one ``userProvided`` embedder per
  :class:`EmbedderSpec`, typo tolerance 1 typo from 5 characters and 2 from 9, ranking rules with
  ``sort`` first (the contract sorts before relevance; Meilisearch's default puts ``sort`` after
  ``attribute``), ``faceting.maxValuesPerFacet`` and ``pagination.maxTotalHits`` raised so facet
  counts and totals are not cut at 100 and 1000. The embedders are always pushed in full and
  read back with ``get_embedders`` (stack-facts §1.12 pitfall 1: a settings push was reported to
  wipe them).
- Documents go out with ``_vectors: {embedder: [floats] | null}`` for every embedder of the index
  (stack-facts §1.3: a user-provided embedder needs an entry on every document, ``null`` to opt
  out). Ids, embedder names and vector lengths are checked before anything is sent. Every write
  waits for its task, with ``task_timeout_s``, and checks the status: a failed or canceled task
  raises :class:`MeiliTaskError` with the task's error code and message (stack-facts §1.8: the
  client returns a failed task without raising).
- ``search``: no vector (or ratio 0) is a keyword search (``q`` = "" is a placeholder search).
  With vectors it is a federated multi-search: a keyword query weighted 1 - ratio and, per
  embedder, a semantic query (``hybrid: {embedder, semanticRatio: 1.0}`` + ``vector``) weighted
  ratio x the embedder's share (see :meth:`MeiliBackend._hybrid_queries`: the same rule as
  Meilisearch's native hybrid, but with scores in the order of the hits, a threshold on those
  scores and several embedders). What the scores mean, and where they are approximate, is in
  ``meili_hits.py``.
- Errors: an unreachable server, a refused request, an unexpected response and a task that
  failed or timed out raise :class:`SearchBackendError`; a query or document the contract
  rejects raises :class:`InvalidQueryError` before any request, and a search the server rejects
  as invalid (``invalid_search_*`` codes) raises it too.

Limits of this backend, by Meilisearch's design: a hybrid hit carries only the score of the side
that found it; an upsert of several batches is several tasks, so a batch that fails after others
succeeded leaves those applied; totals are ``estimatedTotalHits``, capped at ``max_total_hits``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import requests
from meilisearch import Client
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from matching.backends import meili_filters
from matching.backends.base import (
    IndexSettings,
    InvalidQueryError,
    SearchBackendError,
    SearchQuery,
    SearchResult,
)
from matching.backends.meili_checks import INDEX_UID, QueryPlan, check_settings, plan_query, prepare_document
from matching.backends.meili_hits import (
    query_words,
    read_facets,
    read_federated_hit,
    read_hit,
    read_total,
)
from matching.backends.meili_settings import embedders_of, settings_body, settings_from_server, settings_match

# Search errors that mean "this query is invalid for this index", not "the backend failed".
_INVALID_QUERY_CODES = frozenset(
    {
        "invalid_search_filter",
        "invalid_search_facets",
        "invalid_search_sort",
        "invalid_search_embedder",
        "invalid_search_hybrid_query",
        "invalid_search_semantic_ratio",
        "invalid_search_vector",
        "invalid_vector_dimensions",
        "invalid_search_limit",
        "invalid_search_offset",
        "invalid_multi_search_facets",
        "invalid_multi_search_weight",
        "invalid_embedder",
    }
)


class MeiliTaskError(SearchBackendError):
    """A Meilisearch task ended ``failed`` or ``canceled``: ``task_uid``, ``status``, ``code``
    (e.g. ``invalid_document_id``) and ``message`` as the server gave them."""

    def __init__(self, task_uid: int, task_type: str, status: str, code: str | None, message: str) -> None:
        self.task_uid = task_uid
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"Meilisearch task {task_uid} ({task_type}) {status}: {code or 'no code'}: {message}")


class _NumpyJSON(json.JSONEncoder):
    """Documents may carry numpy scalars and arrays; JSON gets plain numbers and lists."""

    def default(self, o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        return super().default(o)


class MeiliBackend:
    """:class:`~matching.backends.base.SearchBackend` on a Meilisearch server (>= 1.13).

    url: e.g. "http://127.0.0.1:7700"; api_key: a key allowed to manage the indexes (None when
    the server has no master key); index_prefix: prepended to every index uid; task_timeout_s:
    how long one write task may take (queue time included) before SearchBackendError;
    request_timeout_s: timeout of one HTTP request; batch_size: documents per write task;
    max_total_hits: the cap of ``SearchResult.total`` and of ``offset + limit``.

    Thread-safe: each thread gets its own client, because the client's ``HttpRequests`` sets
    and removes ``Content-Type`` on one shared header dict per request
    (meilisearch/_httprequests.py ``send_request``).
    """

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_prefix: str = "hubcity_",
        task_timeout_s: float = 30.0,
        *,
        request_timeout_s: float = 10.0,
        batch_size: int = 500,
        max_total_hits: int = 100_000,
        max_values_per_facet: int = 1000,
        task_poll_interval_s: float = 0.05,
    ) -> None:
        if not isinstance(url, str) or "://" not in url:
            raise ValueError(f"url: expected an http(s) URL, got {url!r}")
        if not INDEX_UID.match(index_prefix or "_"):
            raise ValueError(f"index_prefix: use only a-z, 0-9, _ and -, got {index_prefix!r}")
        if task_timeout_s <= 0 or request_timeout_s <= 0:
            raise ValueError("task_timeout_s and request_timeout_s must be > 0 seconds")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.url = url.rstrip("/")
        self._api_key = api_key
        self.index_prefix = index_prefix
        self.task_timeout_s = float(task_timeout_s)
        self.request_timeout_s = float(request_timeout_s)
        self.batch_size = batch_size
        self.max_total_hits = max_total_hits
        self.max_values_per_facet = max_values_per_facet
        self.task_poll_interval_s = task_poll_interval_s
        self._local = threading.local()
        self._settings: dict[str, IndexSettings] = {}
        self._settings_lock = threading.Lock()

    # -- the contract ------------------------------------------------------------------------

    def ensure_index(self, settings: IndexSettings) -> None:
        """Create the index or bring its settings up to date; idempotent (no task when the
        server already has these settings). An embedder whose dimensions changed is removed
        first, which drops its stored vectors (re-send them); an embedder no longer named is
        removed. Raises InvalidQueryError for a bad uid or field name, SearchBackendError when
        the server fails or the embedders are not there afterwards."""
        check_settings(settings)
        uid = self._uid(settings.uid)
        with self._errors(f"ensure_index {settings.uid!r}"):
            client = self._client()
            info = self._index_info(uid)
            if info is None:
                self._wait(client.create_index(uid, {"primaryKey": "id"}).task_uid, ignore_codes={"index_already_exists"})
            elif info.get("primaryKey") is None:
                self._wait(client.index(uid).update(primary_key="id").task_uid)
            elif info.get("primaryKey") != "id":
                raise SearchBackendError(
                    f"index {uid!r} has primary key {info.get('primaryKey')!r}; drop it to use 'id'"
                )
            index = client.index(uid)
            current = index.http.get(f"indexes/{uid}/settings")
            current_embedders = embedders_of(current)
            wanted = {e.name: e.dimensions for e in settings.embedders}
            resized = [n for n, d in wanted.items() if n in current_embedders and current_embedders[n] != d]
            if resized:
                # Remove first: the contract drops the vectors of a resized embedder.
                self._wait(_patch_settings(index, {"embedders": {n: None for n in resized}}))
                current_embedders = {n: d for n, d in current_embedders.items() if n not in resized}
            body = settings_body(
                settings, set(current_embedders) - set(wanted), self.max_values_per_facet, self.max_total_hits
            )
            if resized or not settings_match(current, body):
                self._wait(_patch_settings(index, body))
            self._verify_embedders(index, wanted)
        with self._settings_lock:
            self._settings[settings.uid] = settings

    def upsert(self, index: str, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace documents by id, in batches of ``batch_size``, waiting for each task.

        Every document is checked before anything is sent: ``id`` (a-z A-Z 0-9 - _, <= 511
        bytes), ``_vectors`` names (each an embedder of the index; missing ones are sent as
        null) and lengths (the embedder's dimensions, finite numbers), finite floats elsewhere.
        Raises InvalidQueryError naming the document and field, SearchBackendError when a task
        fails (a MeiliTaskError with the server's code and message) or times out.
        """
        settings = self._settings_for(index)
        prepared = [prepare_document(d, settings, i) for i, d in enumerate(documents)]
        if not prepared:
            return
        uid = self._uid(index)
        with self._errors(f"upsert into {index!r}"):
            target = self._client().index(uid)
            tasks = [
                target.add_documents(prepared[start : start + self.batch_size], primary_key="id", serializer=_NumpyJSON).task_uid
                for start in range(0, len(prepared), self.batch_size)
            ]
            try:
                for task_uid in tasks:
                    self._wait(task_uid)
            except MeiliTaskError:
                # The server may know settings this process has not seen (another process ran
                # ensure_index): read them again before the next write.
                with self._settings_lock:
                    self._settings.pop(index, None)
                raise

    def delete(self, index: str, ids: Sequence[str]) -> None:
        """Remove documents by id (``POST /indexes/{uid}/documents/delete-batch``); unknown ids
        and an unknown index are ignored."""
        if isinstance(ids, (str, bytes)):
            raise InvalidQueryError("ids: expected a sequence of document ids, not one string")
        clean = []
        for position, doc_id in enumerate(ids):
            if not isinstance(doc_id, str) or not doc_id:
                raise InvalidQueryError(f"ids[{position}]: expected a non-empty str, got {doc_id!r}")
            clean.append(doc_id)
        if not clean:
            return
        uid = self._uid(index)
        with self._errors(f"delete from {index!r}"):
            target = self._client().index(uid)
            for start in range(0, len(clean), self.batch_size):
                # The client's delete_documents(ids=...) warns that ids are deprecated; the
                # delete-batch route itself is documented (reference/api/documents).
                try:
                    response = target.http.post(f"indexes/{uid}/documents/delete-batch", clean[start : start + self.batch_size])
                except MeilisearchApiError as error:
                    if error.code == "index_not_found":
                        return
                    raise
                self._wait(_task_uid(response), ignore_codes={"index_not_found"})

    def count(self, index: str) -> int:
        """``numberOfDocuments`` of ``GET /indexes/{uid}/stats``; 0 for an unknown index."""
        uid = self._uid(index)
        with self._errors(f"count {index!r}"):
            try:
                return int(self._client().index(uid).get_stats().number_of_documents)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return 0
                raise

    def fingerprints(self, index: str) -> dict[str, str]:
        """{id: fingerprint} of every document, read 1000 at a time with ``fields`` id and
        fingerprint (``POST /indexes/{uid}/documents/fetch``); "" for a document without one;
        {} for an unknown index. Not a snapshot: writes during the walk may be seen or not."""
        uid = self._uid(index)
        found: dict[str, str] = {}
        page = 1000
        with self._errors(f"fingerprints of {index!r}"):
            target = self._client().index(uid)
            offset = 0
            while True:
                try:
                    result = target.get_documents({"fields": ["id", "fingerprint"], "limit": page, "offset": offset})
                except MeilisearchApiError as error:
                    if error.code == "index_not_found":
                        return {}
                    raise
                for document in result.results:
                    fields = dict(document)
                    found[str(fields["id"])] = str(fields.get("fingerprint") or "")
                offset += len(result.results)
                if not result.results or offset >= result.total:
                    return found

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        """Run one query: a keyword (or placeholder) search when no vector takes part, else a
        federated multi-search of one keyword query and one semantic query per embedder (see
        :meth:`_hybrid_queries` for why, and ``meili_hits.py`` for what the scores mean).

        Raises InvalidQueryError for a filter, facet or sort field the index does not allow, a
        ratio or ranking_score_threshold outside 0..1, limit outside 1..1000, a negative offset,
        an unknown embedder, a vector of the wrong length or with NaN, a negative weight;
        SearchBackendError when the server fails or answers in another shape.
        """
        settings = self._settings_for(index)
        plan = plan_query(query, settings)
        empty = SearchResult(hits=(), total=0, facets={f: {} for f in query.facets})
        if plan.filter is meili_filters.NOTHING:
            return empty
        uid = self._uid(index)
        words = query_words(query.text)
        with self._errors(f"search in {index!r}", invalid_codes=_INVALID_QUERY_CODES, settings_key=index):
            if plan.vectors:
                queries, embedders = self._hybrid_queries(uid, query, plan)
                if not queries:
                    return empty  # the threshold is above what any query can score
                return self._federated_search(uid, query, queries, embedders, words)
            body = self._common(query, plan)
            body.update(offset=query.offset, limit=query.limit)
            if query.facets:
                body["facets"] = list(query.facets)
            if query.ranking_score_threshold is not None:
                body["rankingScoreThreshold"] = float(query.ranking_score_threshold)
            response = self._client().index(uid).search(query.text, body)
            hits = tuple(read_hit(h, words=words) for h in _list(response, "hits"))
            return SearchResult(
                hits=hits,
                total=read_total(response, query.offset + len(hits)),
                facets=read_facets(response.get("facetDistribution"), query.facets),
            )

    def drop_index(self, index: str) -> None:
        """Delete the index and its documents; an unknown index is ignored."""
        uid = self._uid(index)
        with self._errors(f"drop_index {index!r}"):
            try:
                task = self._client().delete_index(uid)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    task = None
                else:
                    raise
            if task is not None:
                self._wait(task.task_uid, ignore_codes={"index_not_found"})
        with self._settings_lock:
            self._settings.pop(index, None)

    def health(self) -> bool:
        """True when ``GET /health`` answers ``{"status": "available"}``; never raises."""
        try:
            return self._client().health().get("status") == "available"
        except (MeilisearchError, requests.RequestException, AttributeError, ValueError):
            return False

    # -- search shapes -----------------------------------------------------------------------

    def _common(self, query: SearchQuery, plan: QueryPlan) -> dict[str, Any]:
        body: dict[str, Any] = {
            "showRankingScore": True,
            "showRankingScoreDetails": True,
            "showMatchesPosition": True,
            "attributesToRetrieve": ["*"],
            "retrieveVectors": False,
        }
        if isinstance(plan.filter, str):
            body["filter"] = plan.filter
        if query.sort:
            body["sort"] = [f"{field}:{direction}" for field, direction in query.sort]
        return body

    def _hybrid_queries(
        self, uid: str, query: SearchQuery, plan: QueryPlan
    ) -> tuple[list[dict[str, Any]], list[str | None]]:
        """The queries of a search where vectors take part, and the embedder of each (None for
        the keyword query).

        One keyword query (``q``) with ``federationOptions.weight`` 1 - ratio, unless the text
        is empty or the ratio is 1; one semantic-only query per embedder (``vector`` +
        ``hybrid: {embedder, semanticRatio: 1.0}``, no ``q``: a pure semantic search, stack-facts
        §1.1 v1.11) with weight ratio x its weight / the largest weight. A federated search keeps
        each document once, from the query where weight x score is highest, orders the hits by
        that ``weightedRankingScore``, and counts totals and facets over the union of the
        queries' matches (meilisearch ``crates/meilisearch/src/search/federated/perform.rs``:
        ``documents_seen``, ``weighted_score``, ``candidates |= query_candidates``). So a hit
        scores ``max((1 - r) * keyword, r * w_e / w_max * similarity_e)``.

        That is Meilisearch's own hybrid rule: ``hybrid`` with a ratio ranks keyword hits by
        (1 - r) x score and semantic hits by r x similarity and keeps each document on its
        better side (``crates/milli/src/search/hybrid.rs``). Spelling it out as a federation is
        what lets the backend keep the contract where the native form cannot: the native form
        returns only the unweighted ``_rankingScore`` of the side that won (so the hits' scores
        are not in the order of the hits), applies ``rankingScoreThreshold`` to those unweighted
        scores, can skip the semantic search when keyword hits look good enough
        (``results_good_enough``), and has no way to fuse several embedders with weights.

        ``ranking_score_threshold`` t becomes a ``rankingScoreThreshold`` of t / weight on each
        query, which keeps exactly the hits with weight x score >= t; a query whose threshold
        would be above 1 can find nothing and is left out. ``semantic_floor`` f (0 < ratio < 1)
        raises each semantic query's threshold to at least f, so a document without the words
        is a hit only when close enough in meaning in at least one embedder (the contract).
        """
        ratio = float(query.semantic_ratio)
        common = self._common(query, plan)
        threshold = query.ranking_score_threshold
        weighted: list[tuple[float, dict[str, Any], str | None]] = []
        if query.text.strip() and ratio < 1.0:
            weighted.append((1.0 - ratio, {"indexUid": uid, "q": query.text, **common}, None))
        top = max(plan.weights.values())
        for name, vector in plan.vectors.items():
            semantic = {"indexUid": uid, **common, "vector": vector, "hybrid": {"embedder": name, "semanticRatio": 1.0}}
            weighted.append((ratio * plan.weights[name] / top, semantic, name))
        queries: list[dict[str, Any]] = []
        embedders: list[str | None] = []
        floor = query.semantic_floor if 0.0 < ratio < 1.0 else None
        for weight, body, embedder in weighted:
            if threshold is not None and threshold > 0:
                if threshold / weight > 1.0:
                    continue
                body["rankingScoreThreshold"] = threshold / weight
            if floor is not None and embedder is not None:
                # semantic_floor: a semantic hit must reach it in (at least) one embedder
                body["rankingScoreThreshold"] = max(float(body.get("rankingScoreThreshold", 0.0)), float(floor))
            body["federationOptions"] = {"weight": weight}
            queries.append(body)
            embedders.append(embedder)
        return queries, embedders

    def _federated_search(
        self,
        uid: str,
        query: SearchQuery,
        queries: list[dict[str, Any]],
        embedders: list[str | None],
        words: tuple[str, ...],
    ) -> SearchResult:
        federation: dict[str, Any] = {"offset": query.offset, "limit": query.limit}
        if query.facets:
            # Facets of a federated search: federation.facetsByIndex (v1.11, documentation PR #3012).
            federation["facetsByIndex"] = {uid: list(query.facets)}
        response = self._client().multi_search(queries, federation=federation)
        hits = tuple(read_federated_hit(h, words=words, query_embedders=embedders) for h in _list(response, "hits"))
        distribution = None
        by_index = response.get("facetsByIndex")
        if isinstance(by_index, Mapping) and isinstance(by_index.get(uid), Mapping):
            distribution = by_index[uid].get("distribution")
        elif "facetDistribution" in response:
            distribution = response.get("facetDistribution")
        return SearchResult(
            hits=hits,
            total=read_total(response, query.offset + len(hits)),
            facets=read_facets(distribution, query.facets),
        )

    # -- settings ----------------------------------------------------------------------------

    def _verify_embedders(self, index: Any, wanted: Mapping[str, int]) -> None:
        found = index.get_embedders()
        have = {} if found is None else {name: spec for name, spec in found.embedders.items()}
        for name, dimensions in wanted.items():
            spec = have.get(name)
            source, size = getattr(spec, "source", None), getattr(spec, "dimensions", None)
            if source != "userProvided" or size != dimensions:
                raise SearchBackendError(
                    f"index {index.uid!r}: embedder {name!r} (userProvided, {dimensions} dimensions) "
                    f"is not in the server's settings after the update (found {spec!r})"
                )
        extra = set(have) - set(wanted)
        if extra:
            raise SearchBackendError(f"index {index.uid!r}: embedders {sorted(extra)} are still set after removal")

    def _settings_for(self, index: str) -> IndexSettings:
        with self._settings_lock:
            known = self._settings.get(index)
        if known is not None:
            return known
        uid = self._uid(index)
        with self._errors(f"read settings of {index!r}"):
            try:
                raw = self._client().index(uid).http.get(f"indexes/{uid}/settings")
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    raise SearchBackendError(
                        f"index {index!r} does not exist in Meilisearch ({uid!r}); call ensure_index first"
                    ) from error
                raise
        settings = settings_from_server(index, raw)
        with self._settings_lock:
            self._settings[index] = settings
        return settings

    # -- plumbing ----------------------------------------------------------------------------

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = Client(self.url, self._api_key, timeout=self.request_timeout_s)  # type: ignore[arg-type]
            self._local.client = client
        return client

    def _uid(self, index: str) -> str:
        if not isinstance(index, str) or not INDEX_UID.match(index):
            raise InvalidQueryError(f"index: expected a name of a-z, 0-9, _ and -, got {index!r}")
        return f"{self.index_prefix}{index}"

    def _index_info(self, uid: str) -> dict[str, Any] | None:
        try:
            return self._client().get_raw_index(uid)
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return None
            raise

    def _wait(self, task_uid: int, ignore_codes: frozenset[str] | set[str] = frozenset()) -> None:
        """Wait for one task; raise unless it succeeded (or failed with an ignored code)."""
        try:
            task = self._client().wait_for_task(
                task_uid,
                timeout_in_ms=int(self.task_timeout_s * 1000),
                interval_in_ms=max(1, int(self.task_poll_interval_s * 1000)),
            )
        except MeilisearchTimeoutError as error:
            raise SearchBackendError(
                f"Meilisearch task {task_uid} not finished after {self.task_timeout_s:g} s (it may still run): {error.message}"
            ) from error
        if task.status == "succeeded":
            return
        error = task.error or {}
        code = error.get("code")
        if task.status == "failed" and code in ignore_codes:
            return
        raise MeiliTaskError(task_uid, task.type, task.status, code, str(error.get("message") or "no message"))

    @contextmanager
    def _errors(
        self,
        action: str,
        invalid_codes: frozenset[str] = frozenset(),
        settings_key: str | None = None,
    ) -> Iterator[None]:
        """Turn client and transport errors into the contract's errors."""
        try:
            yield
        except (SearchBackendError, InvalidQueryError):
            raise
        except MeilisearchApiError as error:
            if error.code in invalid_codes:
                if settings_key is not None:
                    with self._settings_lock:
                        self._settings.pop(settings_key, None)
                raise InvalidQueryError(f"{action}: Meilisearch rejected the query ({error.code}): {error.message}") from error
            raise SearchBackendError(
                f"{action}: Meilisearch answered HTTP {error.status_code} ({error.code or 'no code'}): {error.message}"
            ) from error
        except MeilisearchTimeoutError as error:
            raise SearchBackendError(f"{action}: Meilisearch at {self.url} timed out: {error.message}") from error
        except MeilisearchCommunicationError as error:
            raise SearchBackendError(f"{action}: Meilisearch at {self.url} is unreachable: {error.message}") from error
        except MeilisearchError as error:
            raise SearchBackendError(f"{action}: {error}") from error
        except requests.RequestException as error:
            raise SearchBackendError(f"{action}: HTTP error talking to {self.url}: {error}") from error
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # pydantic's ValidationError is a ValueError: the server's answer had another shape.
            raise SearchBackendError(f"{action}: unexpected answer from Meilisearch: {error!r}") from error


def _patch_settings(index: Any, body: Mapping[str, Any]) -> int:
    """``PATCH /indexes/{uid}/settings`` with ``body`` as is; the task uid. (The client's
    ``update_settings`` inspects each embedder as a dict, so it cannot send ``null`` to remove
    one; the route takes ``null`` for an embedder to delete it.)"""
    return _task_uid(index.http.patch(f"indexes/{index.uid}/settings", dict(body)))


def _task_uid(response: Any) -> int:
    if isinstance(response, Mapping):
        value = response.get("taskUid", response.get("uid"))
        if isinstance(value, int):
            return value
    raise SearchBackendError(f"Meilisearch answered a write without a taskUid: {response!r}")


def _list(response: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(response, Mapping) or not isinstance(response.get(key), list):
        raise SearchBackendError(f"Meilisearch search answer without a {key!r} list")
    return response[key]


__all__ = ["MeiliBackend", "MeiliTaskError"]
