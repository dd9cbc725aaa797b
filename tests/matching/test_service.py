"""MatchingService over the embedded backend with the real models (USE, MiniLM), plus the small
pure pieces it uses: language detection, the glossary, fusion plans, criteria.

The profiles are written for these tests: English-only, Korean-only and bilingual, so a Korean
need must find an English profile and an English need a Korean one through meaning, not words.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matching.backends.base import And, Eq, In, InvalidQueryError, Not, Or, Range
from matching.backends.embedded import EmbeddedBackend
from matching.criteria import Criterion, evaluate, split_criteria
from matching.documents import NeedText, StartupText
from matching.embeddings import FakeEmbedder, load_embedders
from matching.fusion import FusionConfig, LanguagePlan, default_fusion
from matching.glossary import Glossary
from matching.language import detect_language, hangul_share
from matching.service import MatchingService, matched_tags

ACTIVE = And((Eq("matchable", True), Eq("status", "active")))


def _startup(id: str, name, one_liner: dict, description: dict, tags=(), **facets) -> StartupText:
    base = {"matchable": True, "status": "active"}
    base.update(facets)
    return StartupText(id=id, name=name, one_liner=one_liner, description=description, tags=tuple(tags), facets=base)


STARTUPS = [
    _startup(
        "lidar",
        "Roadeye",
        {"en": "Lidar and radar perception for self-driving trucks"},
        {"en": "Roadeye builds long-range lidar sensors and perception software that let autonomous trucks see in rain and fog."},
        ("Autonomous Trucking", "자동차·모빌리티", "Automotive and mobility"),
        stage="seed",
        country="us",
        sectors=["automotive"],
        team_size=20,
    ),
    _startup(
        "bakery",
        "Crumb",
        {"en": "Point-of-sale software for neighbourhood bakeries"},
        {"en": "Crumb runs the tills, stock and loyalty cards of small bakeries and coffee shops."},
        ("Retail Tech",),
        stage="growth",
        country="us",
        sectors=["retail"],
    ),
    _startup(
        "xray",
        {"ko": "메디스캔"},
        {"ko": "병원의 흉부 엑스레이와 CT 영상을 판독하는 의료 인공지능"},
        {"ko": "메디스캔은 의료 영상을 읽어 폐결절과 출혈을 찾아내고 영상의학과 의사의 판독 시간을 줄여 줍니다."},
        ("의료 AI", "Medical AI", "헬스케어", "Healthcare"),
        stage="series_a",
        country="kr",
        sectors=["healthcare"],
    ),
    _startup(
        "solar",
        {"ko": "햇살예보", "en": "SunCast"},
        {"ko": "태양광 발전량 예측", "en": "Forecasts of solar power output"},
        {"en": "SunCast forecasts how much power solar farms will produce and flags panels that underperform."},
        ("Solar Power", "에너지", "Energy"),
        stage="seed",
        country="kr",
        sectors=["energy"],
    ),
    _startup(
        "optout",  # the best lidar match, but it opted out of matching
        "LidarOne",
        {"en": "Lidar sensors for autonomous trucks and self-driving cars"},
        {"en": "Solid-state lidar for self-driving trucks."},
        ("Autonomous Trucking",),
        matchable=False,
    ),
    _startup(
        "closed",  # also a lidar company, but inactive
        "DeadRadar",
        {"en": "Radar and lidar perception for autonomous trucks"},
        {"en": "We built radar for self-driving trucks."},
        status="inactive",
    ),
]

NEEDS = [
    NeedText(
        id="n-lidar",
        title={"ko": "자율주행 트럭용 라이다 센서"},
        description={"ko": "완성차 업체로서 자율주행 트럭에 쓸 라이다와 인지 소프트웨어를 찾습니다."},
        tags=("자동차·모빌리티", "Automotive and mobility"),
        facets={"status": "open", "visibility": "public", "sectors": ["automotive"]},
    ),
    NeedText(
        id="n-hospital",
        title={"en": "AI that reads medical images"},
        description={"en": "Our hospital group wants AI that reads chest X-rays and CT scans to speed up diagnosis."},
        tags=("Healthcare", "헬스케어"),
        facets={"status": "open", "visibility": "public", "sectors": ["healthcare"]},
    ),
    NeedText(
        id="n-draft",
        title={"en": "Lidar for trucks (draft)"},
        description={"en": "Lidar perception for self-driving trucks."},
        facets={"status": "draft", "visibility": "public"},
    ),
]


@pytest.fixture(scope="module")
def embedders():
    return load_embedders(["use", "minilm"], threads=2)


@pytest.fixture(scope="module")
def service(embedders, tmp_path_factory):
    backend = EmbeddedBackend(tmp_path_factory.mktemp("index"))
    glossary = Glossary.from_labels([("자동차·모빌리티", "Automotive and mobility"), ("헬스케어", "Healthcare")])
    service = MatchingService(backend, embedders, glossary=glossary)
    service.ensure_indexes()
    assert service.index_startups(STARTUPS, batch_size=4) == len(STARTUPS)
    assert service.index_needs(NEEDS) == len(NEEDS)
    return service


def _ids(page) -> list[str]:
    return [match.id for match in page.matches]


# -- the three flows, across languages ----------------------------------------------------------------


def test_a_korean_need_finds_the_english_profile(service):
    page = service.match_need(NEEDS[0], filter=ACTIVE)
    assert page.language == "ko"
    assert _ids(page)[0] == "lidar"


def test_an_english_need_finds_the_korean_profile(service):
    page = service.match_need(NEEDS[1], filter=ACTIVE)
    assert page.language == "en"
    assert _ids(page)[0] == "xray"


def test_korean_queries_do_not_use_minilm_and_english_ones_do(service):
    korean = service.prepare("병원 의료 영상 판독 인공지능")
    english = service.prepare("AI that reads medical images")
    assert korean.language == "ko" and set(korean.query.vectors) == {"use"}
    assert english.language == "en" and set(english.query.vectors) == {"use", "minilm"}
    assert 0 < korean.query.semantic_ratio < 1 and 0 < english.query.semantic_ratio < 1


def test_opted_out_and_inactive_startups_are_excluded_by_the_callers_filter(service):
    unfiltered = _ids(service.match_need(NEEDS[0], limit=10))
    assert {"optout", "closed"} <= set(unfiltered)  # they are relevant...
    filtered = _ids(service.match_need(NEEDS[0], filter=ACTIVE, limit=10))
    assert "optout" not in filtered and "closed" not in filtered  # ...and never proposed
    assert "lidar" in filtered


def test_a_startup_sees_matching_needs_it_may_see(service):
    startup = STARTUPS[0]
    page = service.needs_for_startup(startup, filter=Eq("status", "open"))
    assert _ids(page)[0] == "n-lidar"
    assert "n-draft" not in _ids(page)


def test_similar_startups_leave_the_startup_itself_out(service):
    page = service.similar_startups(STARTUPS[0], limit=3)
    assert "lidar" not in _ids(page) and len(page.matches) == 3
    assert set(_ids(page)[:2]) == {"optout", "closed"}  # the two other lidar companies


# -- explanations ------------------------------------------------------------------------------------


def test_explanation_names_terms_tags_similarity_and_criteria(service):
    criteria = [
        Criterion("Stage: seed", In("stage", ("seed", "pre_seed"))),
        Criterion("Based in Korea", Eq("country", "kr")),
        Criterion("Team of 10 to 50", Range("team_size", 10, 50)),
    ]
    page = service.match(
        "startups",
        "lidar perception for self-driving trucks",
        tags=["Autonomous Trucking", "Robotics"],
        filter=ACTIVE,
        criteria=criteria,
    )
    top = page.matches[0]
    assert top.id == "lidar"
    explanation = top.explanation
    assert {"lidar", "trucks"} <= set(explanation.matched_terms)
    assert explanation.matched_tags == ("Autonomous Trucking",)
    assert set(explanation.similarities) == {"use", "minilm"}
    assert all(0.0 <= value <= 1.0 for value in explanation.similarities.values())
    assert explanation.similarity is not None and 0.3 < explanation.similarity <= 1.0
    assert explanation.keyword_score is not None and 0 < explanation.keyword_score <= 1
    assert explanation.passed == ("Stage: seed", "Team of 10 to 50")
    assert explanation.lacking == ("Based in Korea",)
    bakery = next(m for m in page.matches if m.id == "bakery")
    assert bakery.explanation.similarity < explanation.similarity
    assert bakery.explanation.matched_tags == ()


def test_korean_explanation_uses_use_only_and_glossary_words_count(service):
    page = service.match_need(NEEDS[0], filter=ACTIVE)
    explanation = page.matches[0].explanation
    assert explanation.language == "ko"
    assert set(explanation.similarities) == {"use"}
    assert "자동차·모빌리티" in explanation.matched_tags
    keyword_only = service.match("startups", "자동차·모빌리티", filter=ACTIVE, semantic_ratio=0.0)
    assert _ids(keyword_only) == ["lidar"]  # the Korean tag label, and the glossary's English words
    assert keyword_only.matches[0].explanation.similarity is None


def test_keyword_only_and_placeholder_searches(service):
    words = service.search("startups", "bakeries", semantic_ratio=0.0)
    assert [hit.id for hit in words.hits] == ["bakery"]
    everything = service.search("startups", "", filter=ACTIVE, facets=["sectors"])
    assert everything.total == 4
    assert everything.facets["sectors"]["automotive"] == 1


def test_similarity_reads_meaning_across_languages(service):
    same = service.similarity("AI that reads chest X-rays in hospitals", "병원에서 흉부 엑스레이를 판독하는 인공지능")
    different = service.similarity("AI that reads chest X-rays in hospitals", "동네 빵집을 위한 계산대 소프트웨어")
    assert 0.0 <= different < same <= 1.0
    english = service.similarity("solar power forecasting", "forecasting the output of solar farms")
    assert english > service.similarity("solar power forecasting", "software for bakeries")


def test_index_status_fingerprints_and_removal(service):
    stored = service.fingerprints("startups")
    assert stored == {s.id: service.document_for(s).fingerprint for s in STARTUPS}
    service.remove("needs", ["n-draft", "unknown"])
    assert set(service.fingerprints("needs")) == {"n-lidar", "n-hospital"}
    service.index_needs([NEEDS[2]])


# -- bad input ------------------------------------------------------------------------------------------


def test_bad_construction_is_refused(service, embedders):
    with pytest.raises(ValueError, match="at least one embedder"):
        MatchingService(service.backend, [])
    with pytest.raises(ValueError, match="names repeat"):
        MatchingService(service.backend, [FakeEmbedder("x"), FakeEmbedder("x")])
    plan = LanguagePlan({"minilm": 1.0}, 0.5)
    with pytest.raises(ValueError, match="minilm"):
        MatchingService(service.backend, [embedders["use"]], FusionConfig({"en": plan, "ko": plan}))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.search("programs", "x"), "unknown index 'programs'"),
        (lambda s: s.search("startups", "x", semantic_ratio=1.5), "semantic_ratio"),
        (lambda s: s.search("startups", "x", semantic_ratio=-0.1), "semantic_ratio"),
        (lambda s: s.search("startups", "x", limit=0), "limit"),
        (lambda s: s.search("startups", "x", offset=-1), "offset"),
        (lambda s: s.search("startups", "x", filter=Eq("colour", "red")), "colour"),
        (lambda s: s.match("startups", "x", criteria=["stage"]), r"criteria\[0\]"),
        (lambda s: s.remove("users", ["1"]), "unknown index 'users'"),
    ],
)
def test_bad_queries_get_clear_errors(service, call, message):
    with pytest.raises(InvalidQueryError, match=message):
        call(service)


def test_similarity_of_a_blank_text_is_refused(service):
    with pytest.raises(ValueError, match="non-empty"):
        service.similarity("", "text")


# -- pure pieces ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, language",
    [
        ("We need lidar sensors.", "en"),
        ("자율주행 트럭용 라이다를 찾습니다.", "ko"),
        ("AI 기반 라이다 센서", "ko"),
        ("LiDAR, radar and camera perception software (자율주행)", "en"),
        ("", "en"),
        ("2025", "en"),
    ],
)
def test_language_detection(text, language):
    assert detect_language(text) == language


def test_hangul_share():
    assert hangul_share("배터리") == 1.0 and hangul_share("abc") == 0.0 and hangul_share("") == 0.0
    assert hangul_share("AI 배터리") == pytest.approx(3 / 5)


def test_glossary_expands_each_way():
    glossary = Glossary.from_labels([("물류·공급망", "Logistics and supply chain"), ("의료 AI", "Medical AI")])
    assert glossary.expand("창고 자동화와 물류를 함께할 파트너", "ko") == ["Logistics and supply chain"]
    assert glossary.expand("medical ai for hospitals and logistics", "en") == ["물류·공급망", "의료 AI"]  # glossary order
    assert glossary.expand("he said so", "en") == []
    with pytest.raises(ValueError, match="glossary pair 0"):
        Glossary([("", "Energy")])


def test_fusion_plans_are_validated_and_defaults_follow_the_embedders():
    with pytest.raises(ValueError, match="semantic_ratio"):
        LanguagePlan({"use": 1.0}, 1.2)
    with pytest.raises(ValueError, match="weights"):
        LanguagePlan({"use": -1.0}, 0.5)
    with pytest.raises(ValueError, match="at least one embedder"):
        LanguagePlan({"minilm": 0.0}, 0.5)
    with pytest.raises(ValueError, match="missing ko"):
        FusionConfig({"en": LanguagePlan({}, 0.0)})
    default = default_fusion(["use", "minilm"])
    assert default.plan("ko").active == {"use": 1.0} or "minilm" not in default.plan("ko").active
    assert "minilm" in default.plan("en").active
    only_minilm = default_fusion(["minilm"])
    assert only_minilm.plan("ko").semantic_ratio == 0.0  # nothing reads Korean: keyword-only


FACETS = {"stage": "seed", "sectors": ["energy", "climate"], "team_size": 12, "verified": True, "country": None}


@pytest.mark.parametrize(
    "filter, expected",
    [
        (Eq("stage", "seed"), True),
        (Eq("sectors", "climate"), True),
        (Eq("sectors", "health"), False),
        (In("sectors", ("health", "energy")), True),
        (Range("team_size", 10, 12), True),
        (Range("team_size", 13, None), False),
        (Range("stage", 0, 10), False),
        (Eq("verified", True), True),
        (Eq("team_size", True), False),
        (Eq("country", "kr"), False),
        (Not(Eq("country", "kr")), True),
        (Not(Eq("missing", 1)), True),
        (And((Eq("stage", "seed"), Range("team_size", None, 5))), False),
        (Or((Eq("stage", "growth"), Range("team_size", None, 20))), True),
    ],
)
def test_criteria_evaluate_like_the_backends(filter, expected):
    assert evaluate(filter, FACETS) is expected


def test_split_criteria_and_matched_tags():
    criteria = [Criterion("Seed", Eq("stage", "seed")), Criterion("Korea", Eq("country", "kr"))]
    assert split_criteria(criteria, FACETS) == (("Seed",), ("Korea",))
    with pytest.raises(TypeError, match="not a filter"):
        evaluate("stage = seed", FACETS)
    assert matched_tags(["energy", "Robotics", "ENERGY"], "Energy · 에너지 · Climate") == ("energy",)
    assert matched_tags(["에너지"], ["Energy", "에너지"]) == ("에너지",)


def test_fake_embedders_work_with_the_service_for_plumbing(tmp_path):
    service = MatchingService(EmbeddedBackend(tmp_path), [FakeEmbedder("fake", 16)])
    service.ensure_indexes()
    service.index_startups(STARTUPS[:2])
    result = service.search("startups", "bakeries")
    assert result.hits[0].id == "bakery"
    vectors = service.embed_documents([service.document_for(STARTUPS[0])])[0]["_vectors"]
    assert set(vectors) == {"fake"} and np.isclose(np.linalg.norm(vectors["fake"]), 1.0)


def test_request_words_leave_the_keywords_but_not_the_vectors(service):
    from matching.request_words import content_keywords

    assert content_keywords("An energy company is looking for partners in carbon capture") == "energy carbon capture"
    assert content_keywords("탄소 포집 기술을 가진 협력사를 찾습니다") == "탄소 포집 기술을"
    assert content_keywords("기업용 소프트웨어") == "소프트웨어"  # 기업(용) is "company": dropped, as in English
    assert content_keywords("looking for partners") == "looking for partners"  # nothing left: unchanged
    prepared = service.prepare("자율주행 트럭용 라이다를 가진 스타트업을 찾습니다")
    assert "스타트업을" not in prepared.query.text and "찾습니다" not in prepared.query.text
    assert prepared.expansions == () and "라이다를" in prepared.query.text
    with_glossary = service.prepare("자동차·모빌리티 분야 협력사")
    assert with_glossary.expansions == ("Automotive and mobility",)
    assert with_glossary.query.text.startswith("Automotive and mobility\n")


def test_a_bilingual_name_is_searchable_in_both_scripts(service):
    assert [hit.id for hit in service.search("startups", "햇살예보", semantic_ratio=0.0).hits] == ["solar"]
    assert [hit.id for hit in service.search("startups", "SunCast", semantic_ratio=0.0).hits] == ["solar"]
    assert service.document_for(STARTUPS[3]).fields["name"] == "햇살예보 / SunCast"


def test_fingerprints_follow_the_embedders_identity(service, tmp_path):
    a = MatchingService(service.backend, [FakeEmbedder("fake", 16)]).document_for(STARTUPS[0]).fingerprint
    b = MatchingService(service.backend, [FakeEmbedder("fake", 32)]).document_for(STARTUPS[0]).fingerprint
    assert a != b  # a different model under the same name is a reindex


def test_indexing_the_wrong_kind_is_refused(service):
    with pytest.raises(TypeError, match=r"needs\[0\]: expected NeedText, got StartupText"):
        service.index_needs([STARTUPS[0]])
    with pytest.raises(ValueError, match="name must not be empty"):
        service.index_startups([StartupText(id="x", name=" ")])
