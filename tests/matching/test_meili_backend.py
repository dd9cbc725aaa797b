"""Request/response tests of the Meilisearch backend, against a local fake server.

No Meilisearch server can run here, so these tests check the exact requests the backend sends
and how it reads the answers, against a small stand-in on pytest-httpserver (``FakeMeili``
below). The stand-in is not Meilisearch: every answer it gives has the shape of a payload from
the Meilisearch documentation or from the server's own test suite, and each is named where it
is built. The shared contract suite (tests/matching/contract/) runs the backend against a real
server when HUBCITY_MEILI_URL is set.
"""

from __future__ import annotations

import copy
import json
import math
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from matching.backends import meili_filters
from matching.backends.base import (
    And,
    EmbedderSpec,
    Eq,
    In,
    IndexSettings,
    InvalidQueryError,
    Not,
    Or,
    Range,
    SearchBackendError,
    SearchQuery,
)
from matching.backends.meili import MeiliBackend, MeiliTaskError
from matching.backends.meili_hits import cosine_from_similarity, matched_terms, query_words

# =============================================================================================
# The stand-in server
# =============================================================================================

ENQUEUED_AT = "2024-08-08T17:05:55.791772Z"

# Default settings of a new index, as ``GET /indexes/{uid}/settings`` gives them
# (documentation reference/api/settings, "Settings object"; typo tolerance defaults from
# stack-facts §1.7; maxValuesPerFacet 100 and maxTotalHits 1000 per the faceting/pagination pages).
DEFAULT_SETTINGS: dict[str, Any] = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "stopWords": [],
    "nonSeparatorTokens": [],
    "separatorTokens": [],
    "dictionary": [],
    "synonyms": {},
    "distinctAttribute": None,
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
    },
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}},
    "pagination": {"maxTotalHits": 1000},
    "proximityPrecision": "byWord",
    "searchCutoffMs": None,
    "localizedAttributes": None,
    "embedders": {},
}


def api_error(status: int, code: str, message: str) -> Response:
    """An error answer: ``{message, code, type, link}`` (documentation reference/errors; the
    same shape as the server's hybrid.rs test snapshots)."""
    body = {
        "message": message,
        "code": code,
        "type": "invalid_request" if status < 500 else "internal",
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }
    return Response(json.dumps(body), status=status, content_type="application/json")


@dataclass
class Recorded:
    method: str
    path: str
    args: dict[str, str]
    body: Any


@dataclass
class FakeIndex:
    primary_key: str | None = "id"
    settings: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_SETTINGS))
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeMeili:
    """Routes every request of ``server`` to :meth:`handle`.

    Test knobs: ``task_outcome(task) -> None | "processing" | (code, message)`` decides how each
    task ends (None = succeeded); ``search_answer(uid, body)`` and ``multi_search_answer(body)``
    build search answers; ``keep_embedders`` False makes settings pushes drop the embedders
    (the pitfall of stack-facts §1.12); ``health_status`` the HTTP status of ``/health``;
    ``delay_s`` a pause before every answer (to make the client time out).
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[Recorded] = []
        self.indexes: dict[str, FakeIndex] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.task_outcome: Callable[[dict[str, Any]], Any] = lambda task: None
        self.search_answer: Callable[[str, dict[str, Any]], Any] | None = None
        self.multi_search_answer: Callable[[dict[str, Any]], Any] | None = None
        self.keep_embedders = True
        self.health_status = 200
        self.delay_s = 0.0
        server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def writes(self) -> list[Recorded]:
        """Requests other than reads (GET) and searches."""
        return [r for r in self.requests if r.method != "GET" and not r.path.endswith(("/search", "/multi-search", "/fetch"))]

    # -- routing -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        raw = request.get_data(as_text=True)
        body = json.loads(raw) if raw else None
        self.requests.append(Recorded(request.method, request.path, dict(request.args), body))
        if self.delay_s:
            time.sleep(self.delay_s)
        method, path = request.method, request.path
        if path == "/health":
            # documentation reference/api/health: {"status": "available"}
            if self.health_status != 200:
                return api_error(self.health_status, "internal", "unavailable")
            return self._json({"status": "available"})
        if match := re.fullmatch(r"/tasks/(\d+)", path):
            task = self.tasks.get(int(match.group(1)))
            if task is None:
                return api_error(404, "task_not_found", f"Task `{match.group(1)}` not found.")
            return self._json(task)
        if path == "/multi-search" and method == "POST":
            assert self.multi_search_answer is not None, "set fake.multi_search_answer"
            return self._answer(self.multi_search_answer(body))
        if path == "/indexes" and method == "POST":
            uid = body["uid"]
            return self._enqueue(uid, "indexCreation", lambda: self._create(uid, body.get("primaryKey")))
        if not (match := re.fullmatch(r"/indexes/([^/]+)(/.*)?", path)):
            return api_error(404, "not_found", f"no route {method} {path}")
        uid, rest = match.group(1), match.group(2) or ""
        index = self.indexes.get(uid)
        missing = api_error(404, "index_not_found", f"Index `{uid}` not found.")
        if rest == "" and method == "GET":
            if index is None:
                return missing
            return self._json(
                {"uid": uid, "primaryKey": index.primary_key, "createdAt": ENQUEUED_AT, "updatedAt": ENQUEUED_AT}
            )
        if rest == "" and method == "PATCH":
            return self._enqueue(uid, "indexUpdate", lambda: self._update_index(uid, body))
        if rest == "" and method == "DELETE":
            return self._enqueue(uid, "indexDeletion", lambda: self._delete_index(uid))
        if rest == "/settings" and method == "GET":
            return missing if index is None else self._json(copy.deepcopy(index.settings))
        if rest == "/settings" and method == "PATCH":
            return self._enqueue(uid, "settingsUpdate", lambda: self._patch_settings(uid, body))
        if rest == "/settings/embedders" and method == "GET":
            return missing if index is None else self._json(copy.deepcopy(index.settings["embedders"]))
        if rest == "/documents" and method == "POST":
            return self._enqueue(uid, "documentAdditionOrUpdate", lambda: self._add(uid, body))
        if rest == "/documents/delete-batch" and method == "POST":
            return self._enqueue(uid, "documentDeletion", lambda: self._delete(uid, body))
        if rest == "/documents/fetch" and method == "POST":
            return missing if index is None else self._json(self._fetch(index, body))
        if rest == "/stats" and method == "GET":
            if index is None:
                return missing
            # documentation reference/api/stats: numberOfDocuments, isIndexing, fieldDistribution
            return self._json({"numberOfDocuments": len(index.documents), "isIndexing": False, "fieldDistribution": {}})
        if rest == "/search" and method == "POST":
            if index is None:
                return missing
            assert self.search_answer is not None, "set fake.search_answer"
            return self._answer(self.search_answer(uid, body))
        return api_error(404, "not_found", f"no route {method} {path}")

    # -- tasks -------------------------------------------------------------------------------

    def _enqueue(self, uid: str, kind: str, apply: Callable[[], tuple[str, str] | None]) -> Response:
        task_uid = len(self.tasks)
        # The task object (documentation reference/api/tasks, "Task object").
        task: dict[str, Any] = {
            "uid": task_uid,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "canceledBy": None,
            "details": {},
            "error": None,
            "duration": None,
            "enqueuedAt": ENQUEUED_AT,
            "startedAt": None,
            "finishedAt": None,
        }
        self.tasks[task_uid] = task
        outcome = self.task_outcome(task)
        if outcome == "processing":
            task["status"] = "processing"
            task["startedAt"] = ENQUEUED_AT
        else:
            failure = outcome if outcome is not None else apply()
            task.update(duration="PT0.001192S", startedAt=ENQUEUED_AT, finishedAt=ENQUEUED_AT)
            if failure is None:
                task["status"] = "succeeded"
            else:
                code, message = failure
                task["status"] = "failed"
                task["error"] = {
                    "message": message,
                    "code": code,
                    "type": "invalid_request",
                    "link": f"https://docs.meilisearch.com/errors#{code}",
                }
        # The summarized task object a write answers with, HTTP 202 (same page).
        summary = {"taskUid": task_uid, "indexUid": uid, "status": "enqueued", "type": kind, "enqueuedAt": ENQUEUED_AT}
        return Response(json.dumps(summary), status=202, content_type="application/json")

    def _create(self, uid: str, primary_key: str | None) -> tuple[str, str] | None:
        if uid in self.indexes:
            return ("index_already_exists", f"Index `{uid}` already exists.")
        self.indexes[uid] = FakeIndex(primary_key=primary_key)
        return None

    def _update_index(self, uid: str, body: dict[str, Any]) -> tuple[str, str] | None:
        if uid not in self.indexes:
            return ("index_not_found", f"Index `{uid}` not found.")
        self.indexes[uid].primary_key = body.get("primaryKey")
        return None

    def _delete_index(self, uid: str) -> tuple[str, str] | None:
        if self.indexes.pop(uid, None) is None:
            # The documented example of a failed task is exactly this one (reference/api/tasks).
            return ("index_not_found", f"Index `{uid}` not found.")
        return None

    def _patch_settings(self, uid: str, body: dict[str, Any]) -> tuple[str, str] | None:
        index = self.indexes.setdefault(uid, FakeIndex())
        for key, value in body.items():
            if key == "embedders":
                if not self.keep_embedders:
                    continue
                for name, spec in value.items():
                    if spec is None:
                        index.settings["embedders"].pop(name, None)
                    else:
                        index.settings["embedders"][name] = dict(spec)
            elif value is None:
                index.settings[key] = copy.deepcopy(DEFAULT_SETTINGS[key])
            elif isinstance(value, dict) and isinstance(index.settings.get(key), dict):
                index.settings[key] = {**index.settings[key], **value}
            else:
                index.settings[key] = value
        return None

    def _add(self, uid: str, documents: list[dict[str, Any]]) -> tuple[str, str] | None:
        index = self.indexes.setdefault(uid, FakeIndex())
        for document in documents:
            index.documents[str(document["id"])] = document
        return None

    def _delete(self, uid: str, ids: list[str]) -> tuple[str, str] | None:
        index = self.indexes.get(uid)
        if index is None:
            return ("index_not_found", f"Index `{uid}` not found.")
        for doc_id in ids:
            index.documents.pop(doc_id, None)
        return None

    def _fetch(self, index: FakeIndex, body: dict[str, Any]) -> dict[str, Any]:
        # documentation reference/api/documents, "Get documents with POST": {results, offset, limit, total}
        offset, limit = body.get("offset", 0), body.get("limit", 20)
        fields = body.get("fields")
        documents = list(index.documents.values())[offset : offset + limit]
        if fields:
            documents = [{k: v for k, v in d.items() if k in fields} for d in documents]
        return {"results": documents, "offset": offset, "limit": limit, "total": len(index.documents)}

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def _answer(self, answer: Any) -> Response:
        return answer if isinstance(answer, Response) else self._json(answer)


# =============================================================================================
# Fixtures
# =============================================================================================

UID = "hubcity_startups"
STARTUPS = IndexSettings(
    uid="startups",
    searchable=("name", "one_liner", "description"),
    filterable=("sectors", "stage", "country", "team_size", "verified"),
    sortable=("founded_year", "name"),
    embedders=(EmbedderSpec("use", 2), EmbedderSpec("minilm", 3)),
)
SETTINGS_BODY = {
    "searchableAttributes": ["name", "one_liner", "description"],
    "filterableAttributes": ["sectors", "stage", "country", "team_size", "verified"],
    "sortableAttributes": ["founded_year", "name"],
    "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "faceting": {"maxValuesPerFacet": 1000},
    "pagination": {"maxTotalHits": 100000},
    "embedders": {
        "use": {"source": "userProvided", "dimensions": 2},
        "minilm": {"source": "userProvided", "dimensions": 3},
    },
}
COMMON = {
    "showRankingScore": True,
    "showRankingScoreDetails": True,
    "showMatchesPosition": True,
    "attributesToRetrieve": ["*"],
    "retrieveVectors": False,
}

# Keyword ranking details of one hit: the server's test_score_details snapshot
# (crates/meilisearch/tests/search/mod.rs).
KEYWORD_DETAILS = {
    "words": {"order": 0, "matchingWords": 2, "maxMatchingWords": 2, "score": 1.0},
    "typo": {"order": 1, "typoCount": 0, "maxTypoCount": 2, "score": 1.0},
    "proximity": {"order": 2, "score": 0.75},
    "attribute": {
        "order": 3,
        "attributeRankingOrderScore": 1.0,
        "queryWordDistanceScore": 0.8095238095238095,
        "score": 0.8095238095238095,
    },
    "exactness": {"order": 4, "matchType": "noExactMatch", "matchingWords": 2, "maxMatchingWords": 2, "score": 0.3333333333333333},
}


def vector_details(similarity: float) -> dict[str, Any]:
    """Details of a hit found by the vector search: ``vectorSort: {order, similarity}``
    (crates/milli/src/score_details.rs, ``to_json_map``)."""
    return {"vectorSort": {"order": 0, "similarity": similarity}}


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeMeili:
    return FakeMeili(httpserver)


@pytest.fixture
def backend(fake: FakeMeili) -> MeiliBackend:
    return MeiliBackend(fake.url, "masterKey", task_timeout_s=5.0, task_poll_interval_s=0.001)


@pytest.fixture
def ready(fake: FakeMeili, backend: MeiliBackend) -> MeiliBackend:
    """A backend whose index exists, with the request log emptied."""
    backend.ensure_index(STARTUPS)
    fake.requests.clear()
    return backend


def calls(fake: FakeMeili) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


def only(fake: FakeMeili, method: str, path: str) -> Recorded:
    found = [r for r in fake.requests if r.method == method and r.path == path]
    assert len(found) == 1, calls(fake)
    return found[0]


def dead_url() -> str:
    """A local URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# =============================================================================================
# ensure_index
# =============================================================================================


def test_ensure_index_creates_the_index_and_pushes_every_setting_with_the_embedders(fake, backend):
    backend.ensure_index(STARTUPS)

    assert calls(fake) == [
        ("GET", f"/indexes/{UID}"),
        ("POST", "/indexes"),
        ("GET", "/tasks/0"),
        ("GET", f"/indexes/{UID}/settings"),
        ("PATCH", f"/indexes/{UID}/settings"),
        ("GET", "/tasks/1"),
        ("GET", f"/indexes/{UID}/settings/embedders"),
    ]
    assert only(fake, "POST", "/indexes").body == {"uid": UID, "primaryKey": "id"}
    assert only(fake, "PATCH", f"/indexes/{UID}/settings").body == SETTINGS_BODY
    assert fake.indexes[UID].settings["embedders"] == SETTINGS_BODY["embedders"]


def test_ensure_index_is_idempotent_and_sends_no_task_when_nothing_changed(fake, ready):
    ready.ensure_index(STARTUPS)

    assert [c for c in calls(fake) if c[0] != "GET"] == []


def test_ensure_index_removes_a_resized_embedder_first_then_pushes_it_anew(fake, ready):
    resized = IndexSettings(**{**STARTUPS.__dict__, "embedders": (EmbedderSpec("use", 4), EmbedderSpec("minilm", 3))})

    ready.ensure_index(resized)

    patches = [r.body for r in fake.requests if r.method == "PATCH"]
    assert patches[0] == {"embedders": {"use": None}}
    assert patches[1]["embedders"] == {
        "use": {"source": "userProvided", "dimensions": 4},
        "minilm": {"source": "userProvided", "dimensions": 3},
    }
    assert fake.indexes[UID].settings["embedders"]["use"]["dimensions"] == 4


def test_ensure_index_deletes_an_embedder_no_longer_named_with_null(fake, ready):
    fewer = IndexSettings(**{**STARTUPS.__dict__, "embedders": (EmbedderSpec("use", 2),)})

    ready.ensure_index(fewer)

    patch = only(fake, "PATCH", f"/indexes/{UID}/settings").body
    assert patch["embedders"] == {"use": {"source": "userProvided", "dimensions": 2}, "minilm": None}
    assert set(fake.indexes[UID].settings["embedders"]) == {"use"}


def test_ensure_index_checks_the_embedders_are_there_after_the_push(fake, backend):
    fake.keep_embedders = False  # a settings push that loses the embedders (stack-facts §1.12)

    with pytest.raises(SearchBackendError, match=r"embedder 'use' \(userProvided, 2 dimensions\)"):
        backend.ensure_index(STARTUPS)


def test_ensure_index_sets_the_primary_key_of_an_index_created_without_one(fake, backend):
    fake.indexes[UID] = FakeIndex(primary_key=None)

    backend.ensure_index(STARTUPS)

    assert only(fake, "PATCH", f"/indexes/{UID}").body == {"primaryKey": "id"}


def test_ensure_index_raises_the_failed_task_with_its_code_and_message(fake, backend):
    fake.task_outcome = lambda task: (
        ("invalid_settings_ranking_rules", "Invalid value at `.rankingRules[0]`.") if task["type"] == "settingsUpdate" else None
    )

    with pytest.raises(MeiliTaskError) as caught:
        backend.ensure_index(STARTUPS)

    assert caught.value.code == "invalid_settings_ranking_rules"
    assert caught.value.status == "failed"
    assert "Invalid value at `.rankingRules[0]`." in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (IndexSettings(uid="Startups!", searchable=("name",)), "index: expected a name"),
        (IndexSettings(uid="startups", searchable=()), "searchable must name at least one field"),
        (IndexSettings(uid="startups", searchable=("name",), filterable=("_vectors",)), "filterable field '_vectors'"),
        (IndexSettings(uid="startups", searchable=("name",), embedders=(EmbedderSpec("use", 0),)), "dimensions must be an int >= 1"),
        (
            IndexSettings(uid="startups", searchable=("name",), embedders=(EmbedderSpec("use", 2), EmbedderSpec("use", 3))),
            "embedder names repeat",
        ),
    ],
)
def test_ensure_index_rejects_bad_settings_before_any_request(fake, backend, settings, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)):
        backend.ensure_index(settings)
    assert fake.requests == []


# =============================================================================================
# upsert, delete, count, fingerprints, drop_index, health
# =============================================================================================


def test_upsert_sends_documents_with_every_embedder_in_vectors_and_null_for_none(fake, ready):
    use = np.array([0.6, 0.8], dtype=np.float32)
    ready.upsert(
        "startups",
        [
            {
                "id": "s-1",
                "name": "Batt",
                "one_liner": "배터리 재활용",
                "sectors": ["energy"],
                "team_size": np.int64(12),
                "fingerprint": "f1",
                "_vectors": {"use": use, "minilm": None},
            },
            {"id": "s_2", "name": "NoVec", "fingerprint": "f2", "_vectors": {}},
        ],
    )

    sent = only(fake, "POST", f"/indexes/{UID}/documents")
    assert sent.args == {"primaryKey": "id"}
    assert sent.body == [
        {
            "id": "s-1",
            "name": "Batt",
            "one_liner": "배터리 재활용",
            "sectors": ["energy"],
            "team_size": 12,
            "fingerprint": "f1",
            "_vectors": {"use": [float(x) for x in use], "minilm": None},
        },
        {"id": "s_2", "name": "NoVec", "fingerprint": "f2", "_vectors": {"use": None, "minilm": None}},
    ]
    assert calls(fake)[-1] == ("GET", "/tasks/2")  # its task was awaited


def test_upsert_sends_batches_and_waits_for_every_task(fake, fake_backend_small_batches):
    documents = [{"id": f"d{i}", "name": str(i), "_vectors": {}} for i in range(5)]

    fake_backend_small_batches.upsert("startups", documents)

    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/documents")]
    assert [len(p.body) for p in posts] == [2, 2, 1]
    waited = [r.path for r in fake.requests if r.path.startswith("/tasks/")]
    assert waited == ["/tasks/0", "/tasks/1", "/tasks/2"]
    assert len(fake.indexes[UID].documents) == 5


@pytest.fixture
def fake_backend_small_batches(fake: FakeMeili) -> MeiliBackend:
    backend = MeiliBackend(fake.url, None, batch_size=2, task_poll_interval_s=0.001)
    backend.ensure_index(STARTUPS)
    fake.requests.clear()
    fake.tasks.clear()
    return backend


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"name": "no id"}, "documents[0].id: expected a str"),
        ({"id": 7, "name": "int id"}, "documents[0].id: expected a str"),
        ({"id": "has space"}, "documents[0].id: expected a str of a-z A-Z 0-9 - _"),
        ({"id": "배터리"}, "documents[0].id: expected a str of a-z A-Z 0-9 - _"),
        ({"id": "x" * 512}, "documents[0].id"),
        ({"id": "a", "_vectors": {"openai": [1.0, 0.0]}}, "document 'a'._vectors: unknown embedder 'openai'"),
        ({"id": "a", "_vectors": {"use": [1.0, 0.0, 0.0]}}, "document 'a'._vectors['use']: expected 2 numbers, got shape (3,)"),
        ({"id": "a", "_vectors": {"use": [float("nan"), 0.0]}}, "document 'a'._vectors['use']: NaN or infinity"),
        ({"id": "a", "_vectors": [1.0, 0.0]}, "document 'a'._vectors: expected a mapping"),
        ({"id": "a", "team_size": float("inf")}, "document 'a'.team_size"),
        ({"id": "a", "_geo": {"lat": 1}}, "document 'a': field name '_geo' is reserved"),
    ],
)
def test_upsert_rejects_bad_documents_before_sending_anything(fake, ready, document, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)):
        ready.upsert("startups", [document])
    assert fake.writes() == []


def test_upsert_checks_the_whole_input_before_the_first_batch(fake, fake_backend_small_batches):
    documents = [{"id": f"d{i}"} for i in range(4)] + [{"id": "bad id"}]

    with pytest.raises(InvalidQueryError, match=r"documents\[4\]\.id"):
        fake_backend_small_batches.upsert("startups", documents)
    assert fake.writes() == []


def test_upsert_raises_the_failed_task_with_the_servers_code_and_message(fake, ready):
    # Message text from the server's own error for a wrong vector length
    # (crates/meilisearch/tests/search/hybrid.rs, query_combination).
    fake.task_outcome = lambda task: (
        ("invalid_vector_dimensions", "Invalid vector dimensions: expected: `2`, found: `3`.")
        if task["type"] == "documentAdditionOrUpdate"
        else None
    )

    with pytest.raises(MeiliTaskError) as caught:
        ready.upsert("startups", [{"id": "a", "_vectors": {"use": [1.0, 0.0]}}])

    assert isinstance(caught.value, SearchBackendError)
    assert caught.value.code == "invalid_vector_dimensions"
    assert "Invalid vector dimensions: expected: `2`, found: `3`." in str(caught.value)


def test_upsert_raises_when_the_task_does_not_finish_in_time(fake):
    slow = MeiliBackend(fake.url, None, task_timeout_s=0.2, task_poll_interval_s=0.01)
    slow.ensure_index(STARTUPS)
    fake.task_outcome = lambda task: "processing"

    with pytest.raises(SearchBackendError, match=r"not finished after 0\.2 s"):
        slow.upsert("startups", [{"id": "a"}])


def test_upsert_into_an_index_that_does_not_exist_says_to_create_it(fake, backend):
    with pytest.raises(SearchBackendError, match="call ensure_index first"):
        backend.upsert("startups", [{"id": "a"}])
    assert fake.writes() == []


def test_delete_posts_the_ids_to_delete_batch_and_ignores_an_unknown_index(fake, ready):
    ready.upsert("startups", [{"id": "a"}, {"id": "b"}, {"id": "c"}])

    ready.delete("startups", ["a", "b", "zzz"])
    ready.delete("ghosts", ["a"])

    assert [r.body for r in fake.requests if r.path.endswith("/documents/delete-batch")] == [["a", "b", "zzz"], ["a"]]
    assert set(fake.indexes[UID].documents) == {"c"}
    with pytest.raises(InvalidQueryError, match="not one string"):
        ready.delete("startups", "abc")


def test_count_reads_number_of_documents_and_is_zero_for_an_unknown_index(fake, ready):
    ready.upsert("startups", [{"id": "a"}, {"id": "b"}])

    assert ready.count("startups") == 2
    assert ready.count("ghosts") == 0
    assert ("GET", f"/indexes/{UID}/stats") in calls(fake)


def test_fingerprints_pages_through_the_documents_with_two_fields(fake, ready):
    fake.indexes[UID].documents = {f"d{i}": {"id": f"d{i}", "name": "x", "fingerprint": f"h{i}"} for i in range(1200)}
    fake.indexes[UID].documents["nofp"] = {"id": "nofp"}

    found = ready.fingerprints("startups")

    fetches = [r.body for r in fake.requests if r.path == f"/indexes/{UID}/documents/fetch"]
    assert fetches == [
        {"fields": ["id", "fingerprint"], "limit": 1000, "offset": 0},
        {"fields": ["id", "fingerprint"], "limit": 1000, "offset": 1000},
    ]
    assert len(found) == 1201
    assert found["d1199"] == "h1199"
    assert found["nofp"] == ""
    assert ready.fingerprints("ghosts") == {}


def test_drop_index_deletes_it_and_ignores_an_unknown_index(fake, ready):
    ready.drop_index("startups")
    ready.drop_index("startups")  # the second task fails with index_not_found: ignored

    assert [c for c in calls(fake) if c[0] == "DELETE"] == [("DELETE", f"/indexes/{UID}")] * 2
    assert UID not in fake.indexes
    assert fake.tasks[len(fake.tasks) - 1]["error"]["code"] == "index_not_found"


def test_health_is_true_when_available_and_false_otherwise(fake, backend):
    assert backend.health() is True
    fake.health_status = 503
    assert backend.health() is False
    assert MeiliBackend(dead_url(), None, request_timeout_s=2).health() is False


def test_an_unreachable_server_is_a_search_backend_error_everywhere():
    gone = MeiliBackend(dead_url(), "key", request_timeout_s=2)

    with pytest.raises(SearchBackendError, match="unreachable"):
        gone.ensure_index(STARTUPS)
    with pytest.raises(SearchBackendError, match="unreachable"):
        gone.search("startups", SearchQuery(text="battery"))
    with pytest.raises(SearchBackendError, match="unreachable"):
        gone.count("startups")
    with pytest.raises(SearchBackendError, match="unreachable"):
        gone.fingerprints("startups")
    with pytest.raises(SearchBackendError, match="unreachable"):
        gone.drop_index("startups")


def test_a_server_that_stops_answering_during_upsert_is_a_search_backend_error(fake):
    impatient = MeiliBackend(fake.url, None, request_timeout_s=0.2, task_poll_interval_s=0.001)
    impatient.ensure_index(STARTUPS)
    fake.delay_s = 1.0  # longer than the request timeout

    with pytest.raises(SearchBackendError, match="timed out"):
        impatient.upsert("startups", [{"id": "a"}])


# =============================================================================================
# Filters
# =============================================================================================

FILTERABLE = ("sectors", "stage", "country", "team_size", "verified", "name", "score")


def server_reads(quoted: str) -> str:
    """What Meilisearch's filter parser makes of a double-quoted value, for the escapes this
    backend writes: a port of ``quoted_by`` (``\\"`` -> ``"``) followed by ``unescaper``
    (``\\\\`` -> ``\\``) from crates/filter-parser/src/value.rs."""
    assert quoted[0] == quoted[-1] == '"'
    inner = quoted[1:-1]
    position = 0
    while position < len(inner):
        assert inner[position] != '"', f"unescaped quote in {quoted!r}"
        position += 2 if inner[position] == "\\" else 1
    step = inner.replace('\\"', '"')
    out, position = [], 0
    while position < len(step):
        if step[position] == "\\":
            out.append({"\\": "\\", '"': '"'}[step[position + 1]])
            position += 2
        else:
            out.append(step[position])
            position += 1
    return "".join(out)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Eq("stage", "seed"), 'stage = "seed"'),
        (Eq("country", "대한민국 서울"), 'country = "대한민국 서울"'),
        (Eq("name", 'He said "hi" \\ bye'), 'name = "He said \\"hi\\" \\\\ bye"'),
        (Eq("name", "it's"), 'name = "it\'s"'),
        (Eq("name", "AND OR NOT ( ) = IN [x]"), 'name = "AND OR NOT ( ) = IN [x]"'),
        (Eq("verified", True), "verified = true"),
        (Eq("verified", False), "verified = false"),
        (Eq("team_size", 10), "team_size = 10"),
        (Eq("score", 2.5), "score = 2.5"),
        (In("sectors", ("ai", "배터리", "it's", 'a"b')), 'sectors IN ["ai", "배터리", "it\'s", "a\\"b"]'),
        (In("team_size", (1, 2)), "team_size IN [1, 2]"),
        (Range("team_size", 5, 50), "(team_size >= 5 AND team_size <= 50)"),
        (Range("team_size", low=5), "team_size >= 5"),
        (Range("score", high=1e-5), "score <= 0.00001"),
        (Range("score", low=-2.5, high=1e20), "(score >= -2.5 AND score <= 100000000000000000000)"),
        (
            And((Eq("stage", "seed"), Or((Eq("country", "KR"), Eq("country", "US"))))),
            '(stage = "seed" AND (country = "KR" OR country = "US"))',
        ),
        (Not(In("sectors", ("ai",))), 'NOT (sectors IN ["ai"])'),
        (And((Eq("stage", "seed"),)), 'stage = "seed"'),
        (Or((In("sectors", ()), Eq("stage", "seed"))), 'stage = "seed"'),
        (And((Not(In("sectors", ())), Eq("stage", "seed"))), 'stage = "seed"'),
        (And(()), meili_filters.EVERYTHING),
        (Or(()), meili_filters.NOTHING),
        (In("sectors", ()), meili_filters.NOTHING),
        (And((In("sectors", ()), Eq("stage", "seed"))), meili_filters.NOTHING),
        (Not(In("sectors", ())), meili_filters.EVERYTHING),
        (Or((Not(And(())), Eq("stage", "seed"))), 'stage = "seed"'),
    ],
)
def test_filter_translation(node, expected):
    assert meili_filters.translate(node, FILTERABLE) == expected


@pytest.mark.parametrize("value", ['He said "hi"', "back\\slash", 'end\\', '\\"', "탭\t과 줄\n바꿈", "", "'", '""'])
def test_quoted_strings_read_back_as_the_same_value_on_the_server(value):
    assert server_reads(meili_filters.quote_string(value)) == value


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (Eq("founded_year", 2020), "filter on 'founded_year': not a filterable field"),
        (And((Eq("stage", "seed"), Range("secret", 1, 2))), "filter on 'secret': not a filterable field"),
        (Eq("stage", ["a"]), "filter on 'stage': values must be str, int, float or bool"),
        (Range("team_size"), "range filter on 'team_size': give low, high or both"),
        (Range("team_size", float("nan")), "range filter on 'team_size': nan is not a finite number"),
        (Range("team_size", "5"), "range filter on 'team_size': expected a number"),
        (In("sectors", "ai"), "In.values must be a tuple of values, not a string"),
        (Eq("score", float("inf")), "filter on 'score': inf is not a finite number"),
    ],
)
def test_bad_filters_are_rejected_with_the_field_named(node, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)):
        meili_filters.translate(node, FILTERABLE)


# =============================================================================================
# Search: keyword
# =============================================================================================

# A keyword hit built from the documentation's examples (reference/api/search): the text and
# _matchesPosition of the "winter feast" example (field renamed overview -> description), a
# _rankingScore as in the "dragon" example, the details of test_score_details, and the
# facetDistribution / estimatedTotalHits of the facets example.
WINTER_FEAST = (
    "The Winter Feast is Po's favorite holiday. Every year he and his father hang decorations, cook together, "
    "and serve noodle soup to the villagers. But this year Shifu informs Po that as Dragon Warrior, it is his "
    "duty to host the formal Winter Feast at the Jade Palace."
)
KEYWORD_ANSWER = {
    "hits": [
        {
            "id": "50393",
            "name": "Kung Fu Panda Holiday",
            "description": WINTER_FEAST,
            "sectors": ["media"],
            "_rankingScore": 0.92,
            "_rankingScoreDetails": KEYWORD_DETAILS,
            "_matchesPosition": {
                "description": [
                    {"start": 4, "length": 6},
                    {"start": 11, "length": 5},
                    {"start": 234, "length": 6},
                    {"start": 241, "length": 5},
                ]
            },
        }
    ],
    "query": "winter feast",
    "processingTimeMs": 35,
    "limit": 20,
    "offset": 0,
    "estimatedTotalHits": 976,
    "facetDistribution": {"sectors": {"media": 20, "energy": 7}},
    "facetStats": {},
}


def test_keyword_search_sends_the_documented_parameters_and_reads_the_hit(fake, ready):
    fake.search_answer = lambda uid, body: KEYWORD_ANSWER

    result = ready.search(
        "startups",
        SearchQuery(
            text="Winter feast",
            filter=And((Eq("stage", "seed"), In("country", ("KR", "대한민국")))),
            facets=("sectors", "stage"),
            sort=(("founded_year", "desc"),),
            semantic_ratio=0.5,  # no vectors: the ratio has nothing to weigh
        ),
    )

    assert only(fake, "POST", f"/indexes/{UID}/search").body == {
        "q": "Winter feast",
        **COMMON,
        "filter": '(stage = "seed" AND country IN ["KR", "대한민국"])',
        "sort": ["founded_year:desc"],
        "offset": 0,
        "limit": 20,
        "facets": ["sectors", "stage"],
    }
    (hit,) = result.hits
    assert hit.id == "50393"
    assert hit.score == pytest.approx(0.92)
    assert hit.keyword_score == pytest.approx(0.92)
    assert hit.semantic_scores == {}
    assert hit.matched_terms == ("winter", "feast")
    assert hit.document == {"id": "50393", "name": "Kung Fu Panda Holiday", "description": WINTER_FEAST, "sectors": ["media"]}
    assert result.total == 976
    assert result.facets == {"sectors": {"media": 20, "energy": 7}, "stage": {}}


def test_placeholder_search_sends_an_empty_q_and_no_filter_when_it_matches_everything(fake, ready):
    fake.search_answer = lambda uid, body: {"hits": [{"id": "a", "_rankingScore": 1.0}], "estimatedTotalHits": 1}

    result = ready.search("startups", SearchQuery(text="", filter=Not(In("sectors", ())), limit=5, offset=10))

    body = only(fake, "POST", f"/indexes/{UID}/search").body
    assert body == {"q": "", **COMMON, "offset": 10, "limit": 5}
    assert result.hits[0].keyword_score is None
    assert result.hits[0].matched_terms == ()


def test_a_filter_that_matches_nothing_sends_no_request(fake, ready):
    result = ready.search("startups", SearchQuery(text="x", filter=In("sectors", ()), facets=("sectors",)))

    assert result.hits == () and result.total == 0 and result.facets == {"sectors": {}}
    assert fake.requests == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(semantic_ratio=1.5), "semantic_ratio: expected a number in 0..1"),
        (SearchQuery(semantic_ratio=-0.1), "semantic_ratio: expected a number in 0..1"),
        (SearchQuery(limit=0), "limit: expected an int in 1..1000"),
        (SearchQuery(limit=1001), "limit: expected an int in 1..1000"),
        (SearchQuery(offset=-1), "offset: expected an int >= 0"),
        (SearchQuery(facets=("founded_year",)), "facets: 'founded_year' is not a filterable field"),
        (SearchQuery(sort=(("team_size", "asc"),)), "sort: 'team_size' is not a sortable field"),
        (SearchQuery(sort=(("name", "up"),)), "sort: direction of 'name' must be 'asc' or 'desc'"),
        (SearchQuery(filter=Eq("founded_year", 2020)), "filter on 'founded_year': not a filterable field"),
        (SearchQuery(vectors={"openai": np.ones(2)}, semantic_ratio=0.5), "vectors: unknown embedder 'openai'"),
        (SearchQuery(vectors={"use": np.ones(3)}, semantic_ratio=0.5), "vectors['use']: expected 2 numbers, got shape (3,)"),
        (SearchQuery(vectors={"use": np.array([np.nan, 1.0])}, semantic_ratio=0.5), "vectors['use']: NaN or infinity"),
        (SearchQuery(vectors={"use": np.ones(2)}, embedder_weights={"use": -1.0}), "embedder_weights['use']: expected a finite number >= 0"),
    ],
)
def test_bad_queries_are_rejected_before_any_request(fake, ready, query, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)):
        ready.search("startups", query)
    assert fake.requests == []


def test_a_query_the_server_rejects_as_invalid_is_an_invalid_query_and_the_settings_are_read_again(fake, ready):
    fake.search_answer = lambda uid, body: api_error(
        400, "invalid_search_filter", "Attribute `stage` is not filterable. Available filterable attributes are: `sectors`."
    )

    with pytest.raises(InvalidQueryError, match="invalid_search_filter.*not filterable"):
        ready.search("startups", SearchQuery(text="x", filter=Eq("stage", "seed")))

    fake.search_answer = lambda uid, body: {"hits": [], "estimatedTotalHits": 0}
    ready.search("startups", SearchQuery(text="x"))
    assert ("GET", f"/indexes/{UID}/settings") in calls(fake)


def test_a_server_failure_during_search_is_a_search_backend_error(fake, ready):
    fake.search_answer = lambda uid, body: api_error(500, "internal", "Something went wrong.")

    with pytest.raises(SearchBackendError, match=r"HTTP 500 \(internal\): Something went wrong\."):
        ready.search("startups", SearchQuery(text="x"))


def test_a_malformed_answer_is_a_search_backend_error(fake, ready):
    fake.search_answer = lambda uid, body: {"hits": [{"name": "no id", "_rankingScore": 0.5}]}

    with pytest.raises(SearchBackendError, match="without id"):
        ready.search("startups", SearchQuery(text="x"))


def test_a_backend_that_never_ensured_the_index_reads_its_settings_from_the_server(fake, ready):
    other = MeiliBackend(fake.url, "masterKey")
    fake.requests.clear()

    with pytest.raises(InvalidQueryError, match="'founded_year' is not a filterable field"):
        other.search("startups", SearchQuery(facets=("founded_year",)))
    assert calls(fake) == [("GET", f"/indexes/{UID}/settings")]
    with pytest.raises(SearchBackendError, match="call ensure_index first"):
        other.search("ghosts", SearchQuery(text="x"))


# =============================================================================================
# Search: matched terms
# =============================================================================================


def test_matched_terms_from_the_documented_matches_position_example():
    hit = KEYWORD_ANSWER["hits"][0]
    assert matched_terms(hit, query_words("winter FEAST dragon")) == ("winter", "feast")


@pytest.mark.parametrize("length", [3, 9])  # characters (the server today) or bytes (the docs)
def test_matched_terms_read_korean_matches_at_a_byte_offset_under_either_length(length):
    text = "리튬 배터리를 재활용하는 스타트업"
    start = len("리튬 ".encode())  # 7: the documented unit of start is bytes
    hit = {"id": "k", "one_liner": text, "_matchesPosition": {"one_liner": [{"start": start, "length": length}]}}

    assert matched_terms(hit, query_words("배터리 태양광")) == ("배터리",)
    assert matched_terms(hit, query_words("배터리를")) == ("배터리를",)


def test_matched_terms_read_array_fields_through_indices_and_allow_typos():
    hit = {
        "id": "t",
        "tags": ["Energy", "recycling"],
        "_matchesPosition": {"tags": [{"start": 0, "length": 9, "indices": [1]}]},
    }
    assert matched_terms(hit, query_words("recyling energy")) == ("recyling",)  # one typo in 8 letters


# =============================================================================================
# Search: one embedder (a federation of a keyword query and a semantic query)
# =============================================================================================

# The hits of the server's hybrid test at semanticRatio 0.5 (crates/meilisearch/tests/search/
# hybrid.rs, simple_search: q "Captain", vector [1, 1], semanticHitCount 2) as a federated
# answer would carry them (shape: changelog v1.10): "2" comes from the keyword query (its score
# is a keyword score), "3" and "1" from the semantic query, whose similarity is
# (1 + cosine) / 2 of [2, 3] and [1, 3] with [1, 1]; weightedRankingScore = 0.5 x score.
HYBRID_ANSWER = {
    "hits": [
        {"title": "Captain Marvel", "desc": "a Shazam ersatz", "id": "3", "_rankingScore": 0.990290343761444,
         "_rankingScoreDetails": vector_details(0.990290343761444),
         "_federation": {"indexUid": UID, "queriesPosition": 1, "weightedRankingScore": 0.495145171880722}},
        {"title": "Captain Planet", "desc": "He's not part of the Marvel Cinematic Universe", "id": "2",
         "_rankingScore": 0.9848484848484848, "_rankingScoreDetails": KEYWORD_DETAILS,
         "_matchesPosition": {"title": [{"start": 0, "length": 7}]},
         "_federation": {"indexUid": UID, "queriesPosition": 0, "weightedRankingScore": 0.4924242424242424}},
        {"title": "Shazam!", "desc": "a Captain Marvel ersatz", "id": "1", "_rankingScore": 0.9472135901451112,
         "_rankingScoreDetails": vector_details(0.9472135901451112),
         "_federation": {"indexUid": UID, "queriesPosition": 1, "weightedRankingScore": 0.4736067950725556}},
    ],
    "processingTimeMs": 1,
    "limit": 20,
    "offset": 0,
    "estimatedTotalHits": 3,
    "semanticHitCount": 2,
}


def test_one_embedder_sends_a_keyword_query_and_a_semantic_query_weighted_by_the_ratio(fake, ready):
    fake.multi_search_answer = lambda body: HYBRID_ANSWER

    result = ready.search(
        "startups",
        SearchQuery(text="Captain", vectors={"use": np.array([1.0, 1.0], dtype=np.float32)}, semantic_ratio=0.5),
    )

    assert only(fake, "POST", "/multi-search").body == {
        "queries": [
            {"indexUid": UID, "q": "Captain", **COMMON, "federationOptions": {"weight": 0.5}},
            {"indexUid": UID, **COMMON, "vector": [1.0, 1.0], "hybrid": {"embedder": "use", "semanticRatio": 1.0},
             "federationOptions": {"weight": 0.5}},
        ],
        "federation": {"offset": 0, "limit": 20},
    }
    marvel, planet, shazam = result.hits
    # Hit.score is what ordered the hits: weight x the score of the query that found them.
    assert [h.id for h in result.hits] == ["3", "2", "1"]
    assert marvel.score == pytest.approx(0.5 * 0.990290343761444)
    assert planet.score == pytest.approx(0.5 * 0.9848484848484848)
    assert shazam.score == pytest.approx(0.5 * 0.9472135901451112)
    assert marvel.semantic_scores == {"use": pytest.approx(5 / math.sqrt(26), rel=1e-6)}  # cos([2,3],[1,1])
    assert shazam.semantic_scores == {"use": pytest.approx(4 / math.sqrt(20), rel=1e-6)}  # cos([1,3],[1,1])
    assert marvel.keyword_score is None and planet.semantic_scores == {}
    assert planet.keyword_score == pytest.approx(0.9848484848484848)
    assert planet.matched_terms == ("captain",) and marvel.matched_terms == ()
    assert result.total == 3


def test_cosine_from_similarity_inverts_the_servers_similarity():
    assert cosine_from_similarity(0.990290343761444) == pytest.approx(5 / math.sqrt(26), rel=1e-6)
    assert cosine_from_similarity(0.5) == 0.0 and cosine_from_similarity(1.0) == 1.0


def test_ratio_one_is_vectors_only_and_ratio_zero_is_keyword_only(fake, ready):
    fake.search_answer = lambda uid, body: {"hits": [], "estimatedTotalHits": 0}
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}
    vector = {"use": np.array([0.0, 1.0])}

    ready.search("startups", SearchQuery(text="battery", vectors=vector, semantic_ratio=1.0))
    ready.search("startups", SearchQuery(text="", vectors=vector, semantic_ratio=0.0))
    ready.search("startups", SearchQuery(text="", vectors=vector, semantic_ratio=0.3))

    one, zero, no_text = fake.requests
    semantic_only = {"indexUid": UID, **COMMON, "vector": [0.0, 1.0], "hybrid": {"embedder": "use", "semanticRatio": 1.0}}
    assert one.path == "/multi-search"
    assert one.body["queries"] == [{**semantic_only, "federationOptions": {"weight": 1.0}}]
    assert (zero.path, zero.body) == (f"/indexes/{UID}/search", {"q": "", **COMMON, "offset": 0, "limit": 20})
    assert no_text.body["queries"] == [{**semantic_only, "federationOptions": {"weight": pytest.approx(0.3)}}]


def test_an_embedder_weighted_zero_takes_no_part(fake, ready):
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}

    ready.search(
        "startups",
        SearchQuery(
            text="x",
            vectors={"use": np.ones(2), "minilm": np.ones(3)},
            embedder_weights={"minilm": 0.0},
            semantic_ratio=0.4,
        ),
    )

    queries = only(fake, "POST", "/multi-search").body["queries"]
    assert [q.get("hybrid", {}).get("embedder") for q in queries] == [None, "use"]
    assert [q["federationOptions"]["weight"] for q in queries] == [pytest.approx(0.6), pytest.approx(0.4)]


# =============================================================================================
# Search: ranking score threshold
# =============================================================================================


def test_a_keyword_search_sends_the_threshold_as_is(fake, ready):
    fake.search_answer = lambda uid, body: {"hits": [], "estimatedTotalHits": 0}

    ready.search("startups", SearchQuery(text="battery", ranking_score_threshold=0.3))

    assert only(fake, "POST", f"/indexes/{UID}/search").body["rankingScoreThreshold"] == 0.3


def test_a_hybrid_search_divides_the_threshold_by_each_querys_weight_and_drops_hopeless_queries(fake, ready):
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}
    vectors = {"use": np.ones(2), "minilm": np.ones(3)}

    ready.search(
        "startups",
        SearchQuery(text="battery", vectors=vectors, embedder_weights={"use": 1.0, "minilm": 0.25},
                    semantic_ratio=0.8, ranking_score_threshold=0.4),
    )

    # weights: keyword 0.2 (0.4 / 0.2 = 2 > 1: it cannot reach 0.4), use 0.8, minilm 0.2 (also out)
    (use,) = only(fake, "POST", "/multi-search").body["queries"]
    assert use["hybrid"]["embedder"] == "use"
    assert use["federationOptions"] == {"weight": pytest.approx(0.8)}
    assert use["rankingScoreThreshold"] == pytest.approx(0.5)


def test_a_threshold_no_query_can_reach_sends_no_request(fake, ready):
    result = ready.search(
        "startups",
        SearchQuery(text="x", vectors={"use": np.ones(2)}, semantic_ratio=0.5, ranking_score_threshold=0.9, facets=("stage",)),
    )

    assert result.hits == () and result.total == 0 and result.facets == {"stage": {}}
    assert fake.requests == []


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan"), "0.5", True])
def test_a_bad_threshold_is_rejected(fake, ready, threshold):
    with pytest.raises(InvalidQueryError, match="ranking_score_threshold: expected None or a number in 0..1"):
        ready.search("startups", SearchQuery(text="x", ranking_score_threshold=threshold))
    assert fake.requests == []


def test_a_semantic_floor_raises_only_the_semantic_queries_threshold(fake, ready):
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}

    ready.search(
        "startups",
        SearchQuery(text="battery", vectors={"use": np.ones(2)}, semantic_ratio=0.5, semantic_floor=0.7),
    )

    keyword, semantic = only(fake, "POST", "/multi-search").body["queries"]
    assert "rankingScoreThreshold" not in keyword  # keyword matches are always hits
    assert semantic["hybrid"]["embedder"] == "use" and semantic["rankingScoreThreshold"] == pytest.approx(0.7)


def test_a_semantic_floor_is_ignored_at_ratio_1(fake, ready):
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}

    ready.search("startups", SearchQuery(text="battery", vectors={"use": np.ones(2)}, semantic_ratio=1.0, semantic_floor=0.7))

    (semantic,) = only(fake, "POST", "/multi-search").body["queries"]
    assert "rankingScoreThreshold" not in semantic


@pytest.mark.parametrize("floor", [-0.1, 1.5, "0.5", True])
def test_a_bad_semantic_floor_is_rejected(fake, ready, floor):
    with pytest.raises(InvalidQueryError, match="semantic_floor: expected None or a number in 0..1"):
        ready.search("startups", SearchQuery(text="x", semantic_floor=floor))
    assert fake.requests == []


# =============================================================================================
# Search: several embedders (federated multi-search)
# =============================================================================================

# A federated answer in the documented shape (changelog v1.10: hits with _federation
# {indexUid, queriesPosition, weightedRankingScore}, estimatedTotalHits; documentation PR #3012
# for v1.11: facetsByIndex {uid: {distribution, stats}}).
FEDERATED_ANSWER = {
    "hits": [
        {"id": "42", "name": "Batman returns", "_rankingScore": 0.99, "_rankingScoreDetails": vector_details(0.99),
         "_federation": {"indexUid": UID, "queriesPosition": 1, "weightedRankingScore": 0.594}},
        {"id": "7", "name": "Batman", "_rankingScore": 0.95, "_rankingScoreDetails": KEYWORD_DETAILS,
         "_matchesPosition": {"name": [{"start": 0, "length": 6}]},
         "_federation": {"indexUid": UID, "queriesPosition": 0, "weightedRankingScore": 0.38}},
        {"id": "9", "name": "The killing joke", "_rankingScore": 0.9, "_rankingScoreDetails": vector_details(0.9),
         "_federation": {"indexUid": UID, "queriesPosition": 2, "weightedRankingScore": 0.27}},
    ],
    "processingTimeMs": 0,
    "limit": 10,
    "offset": 0,
    "estimatedTotalHits": 31,
    "semanticHitCount": 2,
    "facetsByIndex": {UID: {"distribution": {"sectors": {"media": 5, "energy": 3}}, "stats": {}}},
}


def test_several_embedders_are_fused_by_a_federated_multi_search_with_weights(fake, ready):
    fake.multi_search_answer = lambda body: FEDERATED_ANSWER

    result = ready.search(
        "startups",
        SearchQuery(
            text="batman",
            vectors={"use": np.array([0.6, 0.8]), "minilm": np.array([1.0, 0.0, 0.0])},
            embedder_weights={"use": 2.0, "minilm": 1.0},
            semantic_ratio=0.6,
            filter=Eq("verified", True),
            facets=("sectors",),
            limit=10,
        ),
    )

    body = only(fake, "POST", "/multi-search").body
    per_query = {**COMMON, "filter": "verified = true"}
    assert body == {
        "queries": [
            {"indexUid": UID, "q": "batman", **per_query, "federationOptions": {"weight": pytest.approx(0.4)}},
            {"indexUid": UID, **per_query, "vector": [0.6, 0.8], "hybrid": {"embedder": "use", "semanticRatio": 1.0},
             "federationOptions": {"weight": pytest.approx(0.6)}},
            {"indexUid": UID, **per_query, "vector": [1.0, 0.0, 0.0], "hybrid": {"embedder": "minilm", "semanticRatio": 1.0},
             "federationOptions": {"weight": pytest.approx(0.3)}},
        ],
        "federation": {"offset": 0, "limit": 10, "facetsByIndex": {UID: ["sectors"]}},
    }
    batman_returns, batman, joke = result.hits
    assert [h.score for h in result.hits] == [0.594, 0.38, 0.27]
    assert batman_returns.semantic_scores == {"use": pytest.approx(0.98)} and batman_returns.keyword_score is None
    assert batman.keyword_score == pytest.approx(0.95) and batman.semantic_scores == {}
    assert batman.matched_terms == ("batman",)
    assert joke.semantic_scores == {"minilm": pytest.approx(0.8)}
    assert result.total == 31
    assert result.facets == {"sectors": {"media": 5, "energy": 3}}


def test_federated_search_without_words_or_at_ratio_one_has_no_keyword_query(fake, ready):
    fake.multi_search_answer = lambda body: {"hits": [], "estimatedTotalHits": 0}
    vectors = {"use": np.ones(2), "minilm": np.ones(3)}

    ready.search("startups", SearchQuery(text="", vectors=vectors, semantic_ratio=0.5))
    ready.search("startups", SearchQuery(text="words", vectors=vectors, semantic_ratio=1.0))

    for request in fake.requests:
        queries = request.body["queries"]
        assert [q["hybrid"]["embedder"] for q in queries] == ["use", "minilm"]
        assert all("q" not in q for q in queries)
        assert "facetsByIndex" not in request.body["federation"]


def test_a_federated_hit_from_an_unknown_query_is_a_search_backend_error(fake, ready):
    fake.multi_search_answer = lambda body: {
        "hits": [{"id": "1", "_rankingScore": 0.5, "_federation": {"indexUid": UID, "queriesPosition": 7, "weightedRankingScore": 0.5}}],
        "estimatedTotalHits": 1,
    }

    with pytest.raises(SearchBackendError, match="queriesPosition 7"):
        ready.search("startups", SearchQuery(text="x", vectors={"use": np.ones(2), "minilm": np.ones(3)}, semantic_ratio=0.5))
