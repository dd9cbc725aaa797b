"""Test data and helpers of the contract suite: a small catalogue of startups in English and
Korean with tags, stages, sizes and years; small deterministic vectors where meaning does not
matter."""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.backends.base import EmbedderSpec, IndexSettings, SearchResult

#: Every index uid a contract test may create (dropped after each test on shared servers).
INDEX_UIDS = ("startups", "monotone", "multi", "plain", "other")


def unit(*values: float) -> np.ndarray:
    """A small deterministic float32 unit vector (where meaning does not matter)."""
    array = np.asarray(values, dtype=np.float32)
    return array / np.linalg.norm(array)


CATALOGUE_SETTINGS = IndexSettings(
    uid="startups",
    searchable=("name", "one_liner", "description", "tags"),
    filterable=("tags", "stage", "team_size", "verified", "country", "year"),
    sortable=("team_size", "name", "year"),
    embedders=(EmbedderSpec("use", 512),),
)

CATALOGUE: list[dict[str, Any]] = [
    {
        "id": "s1",
        "name": "VoltCycle",
        "one_liner": "Recycling lithium-ion batteries from electric vehicles",
        "description": "VoltCycle recovers lithium, nickel and cobalt from spent packs.",
        "tags": ["climate", "batteries"],
        "stage": "seed",
        "team_size": 12,
        "verified": True,
        "country": "KR",
        "year": 2021,
    },
    {
        "id": "s2",
        "name": "GridNest",
        "one_liner": "Software that manages grid-scale battery storage",
        "description": "Utilities use GridNest to schedule storage and balance the grid.",
        "tags": ["energy", "software", "batteries"],
        "stage": "series-a",
        "team_size": 40,
        "verified": False,
        "country": "US",
        "year": 2019,
    },
    {
        "id": "s3",
        "name": "WareBot",
        "one_liner": "Warehouse robots that pick and pack orders",
        "description": "Autonomous mobile robots for fulfilment centres.",
        "tags": ["robotics", "logistics"],
        "stage": "seed",
        "team_size": 25,
        "verified": True,
        "country": "US",
        "year": 2020,
    },
    {
        "id": "s4",
        "name": "MediScan",
        "one_liner": "AI that reads medical images to speed up diagnosis",
        "description": "Radiologists get a second opinion on every scan in seconds.",
        "tags": ["health", "ai"],
        "stage": "growth",
        "team_size": 120,
        "verified": True,
        "country": "DE",
        "year": 2016,
    },
    {
        "id": "s5",
        "name": "배터리랩",
        "one_liner": "전기차 배터리를 재활용하는 기술",
        "description": "폐배터리에서 리튬과 니켈을 회수합니다.",
        "tags": ["climate", "batteries"],
        "stage": "seed",
        "team_size": 8,
        "verified": False,
        "country": "KR",
        "year": 2022,
    },
    {
        # no verified, country or year: for Not and missing-value sorting
        "id": "s6",
        "name": "물류로봇",
        "one_liner": "물류 창고 자동화 로봇",
        "description": "창고에서 상품을 옮기는 자율주행 로봇을 만듭니다.",
        "tags": ["robotics"],
        "stage": "series-a",
        "team_size": 30,
    },
    {
        "id": "s7",
        "name": "셀케어",
        "one_liner": "배터리 상태 진단 소프트웨어",
        "description": "충전소와 차량의 배터리 수명을 예측합니다.",
        "tags": ["batteries", "software"],
        "stage": "growth",
        "team_size": 50,
        "verified": True,
        "country": "KR",
        "year": 2018,
    },
]


def ids(result: SearchResult) -> list[str]:
    """Hit ids in rank order."""
    return [hit.id for hit in result.hits]
