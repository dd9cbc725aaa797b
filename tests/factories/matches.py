"""Factories of the matches domain: a small market of startups and a corporation's need, written
in Korean and English, and a search backend that can be switched off.

The texts are written so that meaning matters: the battery startups share few words with the
need, the Korean-only startup shares none with an English need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matching.backends.base import SearchBackendError

from tests.factories.accounts import create_org, create_user
from tests.factories.corporates import corporation_with_member, create_need, member_of
from tests.factories.startups import create_profile

BATTERY_NEED = {
    "title_en": "Battery health analytics for our energy storage sites",
    "description_en": (
        "We run grid-scale energy storage systems and want a startup that predicts battery degradation "
        "and failures from cell data with machine learning."
    ),
    "sectors": ["energy"],
    "technologies": ["forecasting"],
    "stages": ["seed", "series_a"],
}


@dataclass
class Market:
    """A corporation (with a member) and its need, and startups: ``battery_en`` (English),
    ``battery_ko`` (Korean only), ``dental`` (unrelated), ``opted_out`` and ``inactive`` (both about
    batteries, never proposed), each with a startup organisation and its owner (``owners``)."""

    corporation: dict[str, Any]
    corporate_user: dict[str, Any]
    need: dict[str, Any]
    profiles: dict[str, int]
    owners: dict[str, dict[str, Any]]
    orgs: dict[str, dict[str, Any]]


STARTUPS: dict[str, dict[str, Any]] = {
    "battery_en": {
        "name_en": "CellSense",
        "one_liner_en": "Machine learning that forecasts lithium-ion battery degradation for energy storage operators.",
        "description_en": "Our models read cell voltage and temperature to predict capacity fade and thermal failures.",
        "stage": "seed",
        "sectors": ["energy"],
        "technologies": ["forecasting"],
    },
    "battery_ko": {
        "name_ko": "배터리인사이트",
        "name_en": "",
        "one_liner_en": "",
        "one_liner_ko": "에너지 저장 장치의 배터리 수명과 고장을 인공지능으로 예측합니다.",
        "description_ko": "셀 전압과 온도 데이터를 분석해 배터리의 열화와 화재 위험을 미리 알려 줍니다.",
        "stage": "pre_seed",
        "sectors": ["energy"],
        "technologies": ["forecasting"],
    },
    "dental": {
        "name_en": "SmileScan",
        "one_liner_en": "AI that reads dental X-rays to find cavities for dentists.",
        "description_en": "A cloud service for dental clinics: caries detection on panoramic radiographs.",
        "stage": "series_a",
        "sectors": ["healthcare"],
        "technologies": ["computer_vision"],
    },
    "opted_out": {
        "name_en": "VoltWatch",
        "one_liner_en": "Predicts battery failures in energy storage systems with machine learning.",
        "stage": "seed",
        "do_not_match": True,
        "sectors": ["energy"],
        "technologies": ["forecasting"],
    },
    "inactive": {
        "name_en": "GridCell",
        "one_liner_en": "Battery degradation forecasting for grid storage.",
        "status": "inactive",
        "sectors": ["energy"],
        "technologies": ["forecasting"],
    },
}


async def build_market(*, need: dict[str, Any] | None = None) -> Market:
    corporation, corporate_user = await corporation_with_member(name_en="Hanbit Energy", name_ko="한빛에너지")
    need_row = await create_need(corporation["id"], **(need or BATTERY_NEED))
    profiles, owners, orgs = {}, {}, {}
    for key, values in STARTUPS.items():
        values = dict(values)
        owner = await create_user(consents=("collection", "third_party_provision"))
        org = await create_org("startup", owner=owner, name_en=values.get("name_en") or key, name_ko=values.get("name_ko") or key)
        sectors, technologies = values.pop("sectors"), values.pop("technologies")
        profiles[key] = await create_profile(org["id"], sectors=sectors, technologies=technologies, **values)
        owners[key], orgs[key] = owner, org
    return Market(corporation, corporate_user, need_row, profiles, owners, orgs)


class SwitchableBackend:
    """Wraps a SearchBackend; while ``down`` every call raises SearchBackendError, as an
    unreachable Meilisearch would."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.down = False
        self.name = f"switchable-{inner.name}"

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise SearchBackendError("the search backend is down (test)")
            return attribute(*args, **kwargs)

        return call


__all__ = ["BATTERY_NEED", "Market", "STARTUPS", "SwitchableBackend", "build_market", "member_of"]
