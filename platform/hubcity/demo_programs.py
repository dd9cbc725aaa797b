"""Demo calls: one open fund call with a bilingual form, eligibility rules and review rounds, and
one global-market call that has closed, so a new installation shows both kinds of call page.

Created through :class:`hubcity.programs.services.ProgramService` as the demo program manager,
so the same rules apply as for a program made on the pages. A call whose ``family`` already
exists is left alone (staff edits survive a second ``seed-demo``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.clock import utcnow
from hubcity.core.viewer import load_viewer
from hubcity.db.tables import Program, User
from hubcity.programs.services import ProgramService

SEED_FAMILY = "ai-hub-seed-fund"
GLOBAL_FAMILY = "ai-hub-global-market"

SEED_FORM: list[dict[str, Any]] = [
    {"key": "summary", "type": "text", "label_ko": "한 줄 요약", "label_en": "One-line summary", "required": True,
     "max_length": 150, "prefill": "one_liner_ko",
     "help_ko": "무엇을 누구에게 제공하는지 한 문장으로 적어 주십시오.", "help_en": "What you offer, and to whom, in one sentence."},
    {"key": "problem", "type": "long_text", "label_ko": "해결하려는 문제", "label_en": "The problem you solve", "required": True,
     "max_length": 3000},
    {"key": "industry", "type": "single_choice", "label_ko": "중점 산업", "label_en": "Focus industry", "required": True,
     "choices": [
         {"value": "automotive", "label_ko": "자동차·모빌리티", "label_en": "Automotive and mobility"},
         {"value": "energy", "label_ko": "에너지", "label_en": "Energy"},
         {"value": "healthcare", "label_ko": "헬스케어", "label_en": "Healthcare"},
     ]},
    {"key": "team", "type": "number", "label_ko": "상근 인원", "label_en": "Full-time team", "required": True,
     "min": 1, "max": 300, "prefill": "team_size"},
    {"key": "amount", "type": "number", "label_ko": "신청 금액(원)", "label_en": "Amount requested (KRW)", "required": True,
     "min": 1_000_000, "max": 100_000_000},
    {"key": "start", "type": "date", "label_ko": "사업 시작 예정일", "label_en": "Planned start date"},
    {"key": "deck", "type": "file", "label_ko": "사업 소개서", "label_en": "Pitch deck", "required": True, "max_files": 1,
     "help_ko": "PDF 또는 PPTX, 20MB 이하", "help_en": "PDF or PPTX, at most 20 MB"},
]

RUBRIC = [
    {"key": "problem", "label_ko": "문제의 중요성", "label_en": "Importance of the problem", "weight": 30, "scale_min": 1, "scale_max": 5},
    {"key": "technology", "label_ko": "기술력", "label_en": "Technology", "weight": 40, "scale_min": 1, "scale_max": 5},
    {"key": "team", "label_ko": "팀 역량", "label_en": "Team", "weight": 30, "scale_min": 1, "scale_max": 5},
]


def _seed_call(now: datetime) -> dict[str, Any]:
    return {
        "kind": "fund",
        "family": SEED_FAMILY,
        "title_ko": f"{now.year + 1} AI 허브 씨앗 펀드",
        "title_en": f"{now.year + 1} AI Hub Seed Fund",
        "summary_ko": "자동차·에너지·헬스케어 분야 AI 스타트업에 최대 5천만 원을 지원합니다.",
        "summary_en": "Up to KRW 50 million for AI startups in automotive, energy and healthcare.",
        "description_ko": "서류 심사와 발표 심사를 거쳐 20개 팀을 선정합니다. 선정된 팀은 협약 후 두 차례에 나누어 지원금을 받습니다.",
        "description_en": "Twenty teams are chosen after a written and a presentation round. "
        "Winners sign an agreement and receive the award in two tranches.",
        "opens_at": now - timedelta(days=3),
        "closes_at": (now + timedelta(days=30)).replace(minute=0, second=0, microsecond=0),
        "budget": 1_000_000_000,
        "max_award": 50_000_000,
        "currency": "KRW",
        "capacity": 20,
        "eligibility": [
            {"rule": "founded_within_years", "years": 7},
            {"rule": "sectors", "values": ["automotive", "energy", "healthcare"]},
            {"rule": "team_size", "min": 1, "max": 100},
            {"rule": "one_application_per_startup"},
        ],
        "review_rounds": [
            {"name_ko": "서류 심사", "name_en": "Written review", "kind": "written", "order": 1, "scoring": "trimmed_mean",
             "advance": 40, "rubric": RUBRIC},
            {"name_ko": "발표 심사", "name_en": "Presentation", "kind": "presentation", "order": 2, "scoring": "mean",
             "advance": 20, "rubric": RUBRIC},
        ],
    }


def _global_call(now: datetime) -> dict[str, Any]:
    return {
        "kind": "global_market",
        "family": GLOBAL_FAMILY,
        "title_ko": f"{now.year} 글로벌 시장 진출 프로그램 (일본)",
        "title_en": f"{now.year} Global Market Program (Japan)",
        "summary_ko": "도쿄 현지 기업 미팅과 실증 기회를 제공합니다.",
        "summary_en": "Meetings with Japanese corporations in Tokyo and a chance to run a pilot there.",
        "opens_at": now - timedelta(days=60),
        "closes_at": now + timedelta(days=1),
        "budget": 200_000_000,
        "max_award": 10_000_000,
        "currency": "KRW",
        "capacity": 10,
        "eligibility": [{"rule": "one_application_per_startup"}],
    }


GLOBAL_FORM: list[dict[str, Any]] = [
    {"key": "why_japan", "type": "long_text", "label_ko": "일본 시장에 진출하려는 이유", "label_en": "Why Japan", "required": True,
     "max_length": 2000},
]


async def seed_programs(zone: ZoneInfo, manager_email: str) -> int:
    """Create the demo calls that are missing, as the program manager ``manager_email``; returns
    how many were created (0 when that account does not exist). The global-market call is
    closed right after it is published (its closing time is then in the past for applicants)."""
    manager = await User.select(User.id).where(User.email == manager_email).first().run()
    if manager is None:
        return 0
    viewer = await load_viewer(manager["id"])
    if viewer is None:
        return 0
    service = ProgramService(zone)
    now = utcnow()
    created = 0
    for data, form, close in ((_seed_call(now), SEED_FORM, False), (_global_call(now), GLOBAL_FORM, True)):
        if await Program.exists().where(Program.family == data["family"]).run():
            continue
        program = await service.create(viewer, data, form=form)
        await service.publish(program["id"], viewer)
        if close:
            await service.close(program["id"], viewer)
        created += 1
    return created
