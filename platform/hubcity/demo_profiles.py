"""Demo startup profiles and partner needs, written for this project (everything is fictional).

:func:`seed_profiles_and_needs` gives the demo organisations of :mod:`hubcity.demo` a living
directory: full, finished profiles for its five startups, six more profiles kept by the agency
(``organisation`` NULL, as imported ones are), and partner needs of the three demo corporations
covering every visibility (public, verified, staff, anonymised) and status (open, draft, closed).
Some profiles are written only in Korean, some only in English, some in both; the matching
issue tests Korean search on them (for instance the keyword ``배터리``).

Run it after :func:`hubcity.demo.seed_demo`. It is idempotent: a profile is keyed by its
organisation (or, for agency-kept ones, its name) and a need by its corporation and title, so a
second run creates nothing. Demo organisations that are missing are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.clock import utcnow
from hubcity.core.viewer import load_viewer
from hubcity.corporates.services import PartnerNeedService
from hubcity.db.tables import Organisation, PartnerNeed, StartupProfile
from hubcity.startups import taxonomy
from hubcity.startups.repositories import OrganisationDirectory, ProfileRepository, write_transaction
from hubcity.startups.schemas import LAST_STEP

MILLION = 1_000_000  # won; KRW's minor unit is the won


@dataclass(frozen=True)
class DemoProfile:
    """A finished startup profile. ``owner``: the registration number of the demo startup that
    keeps it, or "" for a profile kept by the agency. ``values``: StartupProfile columns (lists as
    Python lists, ``funding_raised`` in won); ``sectors``/``technologies``: taxonomy slugs."""

    owner: str
    values: dict[str, Any]
    sectors: tuple[str, ...]
    technologies: tuple[str, ...]


@dataclass(frozen=True)
class DemoNeed:
    """A partner need of the demo corporation with registration number ``corporation``.

    ``status``: draft | open | closed (a closed need is published, then closed). ``opens_in`` and
    ``closes_in``: the open window relative to now. ``data``: the fields of
    :class:`hubcity.corporates.schemas.NeedCreateInput` except status and the window.
    """

    corporation: str
    status: str
    opens_in: timedelta
    closes_in: timedelta
    data: dict[str, Any] = field(default_factory=dict)


# The demo organisations' registration numbers, as :mod:`hubcity.demo` defines them (a test checks
# they agree; not imported from there so that ``hubcity.demo`` may import this module).
NURI, MEDILAB, PARAN, MALBEOT, GRIDWAVE = "3058102445", "3058603570", "3058704687", "3058805795", "3058606811"
MOBILITY, SEOHAE, ONNURI = "3148107920", "3148608230", "3148509343"

PROFILES: tuple[DemoProfile, ...] = (
    # -- the five demo startups ------------------------------------------------------------------
    DemoProfile(  # both languages
        owner=NURI,
        values={
            "name_ko": "누리비전",
            "name_en": "Nuri Vision",
            "one_liner_ko": "제조 라인의 불량을 카메라 한 대로 잡아내는 비전 검사 AI",
            "one_liner_en": "Vision inspection AI that catches defects on a production line with a single camera",
            "description_ko": (
                "누리비전은 프레스·사출·도장 라인에 산업용 카메라 한 대와 엣지 장비를 달아 불량을 실시간으로 "
                "찾아냅니다. 양품 이미지 200장만으로 학습을 시작하는 이상 탐지 모델을 써서 불량 샘플이 적은 "
                "중소 제조사도 2주 안에 도입할 수 있습니다. 현재 한빛시 자동차 부품 공장 네 곳에서 가동 중입니다."
            ),
            "description_en": (
                "Nuri Vision mounts one industrial camera and an edge box on press, injection-moulding and "
                "painting lines and flags defects in real time. Its anomaly-detection models start learning "
                "from 200 images of good parts, so small manufacturers with few defect samples can go live "
                "within two weeks. It runs today in four automotive-parts plants in Hanbit."
            ),
            "stage": "seed",
            "founded_on": date(2021, 3, 15),
            "team_size": 14,
            "location": "한빛시 누리구 첨단산업로",
            "country": "kr",
            "website": "https://nurivision.example",
            "funding_raised": 1_800 * MILLION,
            "investors": ["한빛창업투자", "Blue Harbor Ventures"],
            "customers": ["한빛모빌리티", "동진정밀"],
            "partners": ["한빛대학교 스마트제조연구소"],
            "target_markets": ["kr", "vn", "mx"],
            "tags": ["외관 검사", "edge inspection"],
            "needs_ko": "도장 라인 불량 이미지 데이터와 해외 공장 실증 기회를 찾습니다.",
            "needs_en": "We look for paint-line defect images and a pilot in an overseas plant.",
            "offers_ko": "2주 안에 설치하는 검사 PoC와 라인별 불량 통계 대시보드를 제공합니다.",
            "offers_en": "An inspection PoC installed within two weeks, with a defect dashboard per line.",
        },
        sectors=("manufacturing", "automotive"),
        technologies=("computer_vision", "anomaly_detection", "edge_ai"),
    ),
    DemoProfile(  # English only
        owner=MEDILAB,
        values={
            "name_ko": "",
            "name_en": "Hanbit MediLab",
            "one_liner_en": "Medical imaging AI that helps radiologists read chest X-rays",
            "description_en": (
                "Hanbit MediLab builds a triage assistant for chest X-rays: it marks nodules, pneumothorax "
                "and effusion, and moves urgent studies to the top of the reading list. Trained on 310,000 "
                "de-identified studies from three partner hospitals, it is in a confirmatory clinical study "
                "for a Class II medical-device approval."
            ),
            "stage": "series_a",
            "founded_on": date(2019, 9, 2),
            "team_size": 32,
            "location": "Hanbit, Medical Campus (Saebit-dong)",
            "country": "kr",
            "website": "https://medilab-hanbit.example",
            "funding_raised": 7_500 * MILLION,
            "investors": ["Saebit Capital", "Greenline Health Fund"],
            "customers": ["Onnuri Healthcare", "Hanbit University Hospital"],
            "partners": ["Korea Imaging Data Consortium"],
            "target_markets": ["kr", "sg", "ae"],
            "tags": ["radiology", "triage"],
            "needs_en": "Hospitals willing to run a prospective reader study, and a PACS vendor to integrate with.",
            "offers_en": "A worklist-triage pilot for emergency departments at no licence cost for six months.",
        },
        sectors=("healthcare",),
        technologies=("medical_ai", "computer_vision"),
    ),
    DemoProfile(  # Korean only
        owner=PARAN,
        values={
            "name_ko": "파란셀",
            "name_en": "",
            "one_liner_ko": "전기차 배터리 상태 진단 AI로 수명과 이상을 미리 예측합니다",
            "description_ko": (
                "파란셀은 배터리 상태 진단 AI를 만듭니다. 충전기와 BMS에서 나오는 전압·전류·온도 시계열만으로 "
                "셀 단위의 잔존 수명(SOH)과 열폭주 전조를 예측하며, 차량을 분해하지 않고 10분 충전만으로 중고 "
                "전기차 배터리 등급을 매깁니다. 렌터카 업체 두 곳의 전기차 1,200대에서 검증했습니다."
            ),
            "stage": "seed",
            "founded_on": date(2022, 6, 1),
            "team_size": 11,
            "location": "한빛시 새빛구 에너지밸리로",
            "country": "kr",
            "website": "https://parancell.example",
            "funding_raised": 2_400 * MILLION,
            "investors": ["한빛창업투자", "서해임팩트파트너스"],
            "customers": ["다온렌터카", "푸른모터스"],
            "partners": ["한빛모빌리티", "한빛대학교 배터리연구센터"],
            "target_markets": ["kr", "jp"],
            "tags": ["배터리", "SOH", "BMS"],
            "needs_ko": "완성차·부품사의 배터리 팩 운행 데이터와 ESS 현장 실증 기회가 필요합니다.",
            "offers_ko": "중고 전기차 배터리 등급 판정 API와 이상 징후 조기 경보를 제공합니다.",
        },
        sectors=("automotive", "energy"),
        technologies=("forecasting", "anomaly_detection"),
    ),
    DemoProfile(  # Korean only
        owner=MALBEOT,
        values={
            "name_ko": "말벗에이아이",
            "name_en": "",
            "one_liner_ko": "어르신과 대화하며 안부를 살피는 한국어 돌봄 대화 AI",
            "description_ko": (
                "말벗에이아이는 홀로 사는 어르신에게 하루 두 번 전화를 걸어 대화하고, 말투와 대답의 변화에서 "
                "건강 이상과 우울 징후를 찾아 돌봄 담당자에게 알립니다. 사투리와 느린 발화에 맞춘 한국어 음성 "
                "인식 모델을 직접 학습했으며, 한빛시 두 개 구의 어르신 600명이 사용하고 있습니다."
            ),
            "stage": "pre_seed",
            "founded_on": date(2023, 2, 20),
            "team_size": 6,
            "location": "한빛시 누리구",
            "country": "kr",
            "website": "https://malbeot.example",
            "funding_raised": 500 * MILLION,
            "investors": ["한빛시 AI 창업펀드"],
            "customers": ["한빛시 누리구청", "새빛노인복지관"],
            "partners": ["온누리헬스케어"],
            "target_markets": ["kr"],
            "tags": ["돌봄", "음성 대화"],
            "needs_ko": "병원 퇴원 환자 대상 시범 사업과 지자체 돌봄 사업 연계가 필요합니다.",
            "offers_ko": "어르신 맞춤 한국어 음성 인식·대화 모델과 안부 확인 리포트를 제공합니다.",
        },
        sectors=("healthcare", "public_sector"),
        technologies=("speech", "nlp"),
    ),
    DemoProfile(  # English only
        owner=GRIDWAVE,
        values={
            "name_ko": "",
            "name_en": "GridWave",
            "one_liner_en": "AI that forecasts the power demand of plants and buildings to cut peak charges",
            "description_en": (
                "GridWave forecasts 15-minute power demand for factories and commercial buildings a day ahead "
                "and schedules chillers, compressors and batteries to stay under the contracted peak. Its "
                "customers cut demand charges by 12% on average in the first year."
            ),
            "stage": "series_a",
            "founded_on": date(2020, 11, 10),
            "team_size": 24,
            "location": "Hanbit, Energy Valley (Saebit-gu)",
            "country": "kr",
            "website": "https://gridwave.example",
            "funding_raised": 6_000 * MILLION,
            "investors": ["Westcoast Climate Ventures", "Hanbit Startup Investment"],
            "customers": ["Seohae Energy", "Daehan Cold Chain"],
            "partners": ["Hanbit Smart Grid Testbed"],
            "target_markets": ["kr", "vn", "au"],
            "tags": ["demand response", "peak shaving"],
            "needs_en": "Interval meter data from industrial sites and an ESS operator to co-develop dispatch with.",
            "offers_en": "Day-ahead load forecasts with a guaranteed accuracy, delivered by API.",
        },
        sectors=("energy", "climate"),
        technologies=("forecasting", "optimization"),
    ),
    # -- profiles kept by the agency (organisation NULL, not claimed yet) ------------------------
    DemoProfile(  # Korean only: hospital imaging AI
        owner="",
        values={
            "name_ko": "뉴로스캔랩",
            "one_liner_ko": "응급실 뇌 CT에서 뇌출혈을 찾아 판독 순서를 앞당기는 병원 영상 AI",
            "description_ko": (
                "뉴로스캔랩은 응급실에서 찍은 뇌 CT를 1분 안에 분석해 뇌출혈 의심 영상을 판독 목록 맨 위로 "
                "올립니다. 한빛대학교병원과 함께 4만 건의 영상으로 검증했고, 야간 판독 대기 시간을 평균 "
                "23분 줄였습니다."
            ),
            "stage": "seed",
            "founded_on": date(2022, 1, 17),
            "team_size": 9,
            "location": "한빛시 새빛동 메디컬캠퍼스",
            "country": "kr",
            "website": "https://neuroscanlab.example",
            "investors": ["메디브릿지파트너스"],
            "customers": ["한빛대학교병원"],
            "target_markets": ["kr", "tw"],
            "tags": ["뇌출혈", "응급 영상"],
            "needs_ko": "여러 병원의 CT 장비에서 수집한 외부 검증 데이터가 필요합니다.",
            "offers_ko": "응급실 판독 우선순위 시범 운영을 6개월간 무상으로 제공합니다.",
        },
        sectors=("healthcare",),
        technologies=("medical_ai", "computer_vision"),
    ),
    DemoProfile(  # Korean only: batteries again, for Korean search
        owner="",
        values={
            "name_ko": "에코차지",
            "one_liner_ko": "ESS 배터리와 전기차 충전소 운영을 수요 예측으로 최적화하는 AI",
            "description_ko": (
                "에코차지는 충전소별 이용 패턴과 날씨, 전기요금을 학습해 다음 날 충전 수요를 예측하고 ESS "
                "배터리의 충·방전 계획을 세웁니다. 한빛시 공영주차장 충전소 40곳에서 전력 요금을 18% 줄였습니다."
            ),
            "stage": "pre_seed",
            "founded_on": date(2023, 8, 7),
            "team_size": 5,
            "location": "한빛시 서해구",
            "country": "kr",
            "website": "https://ecocharge-hanbit.example",
            "customers": ["한빛시설관리공단"],
            "target_markets": ["kr"],
            "tags": ["충전소", "ESS"],
            "needs_ko": "충전 사업자의 운영 데이터와 ESS 실증 부지를 찾습니다.",
            "offers_ko": "충전소 수요 예측 리포트와 충·방전 스케줄링 엔진을 제공합니다.",
        },
        sectors=("energy", "automotive"),
        technologies=("forecasting", "optimization"),
    ),
    DemoProfile(  # English only
        owner="",
        values={
            "name_en": "Roadsense Labs",
            "one_liner_en": "Road-surface perception that warns driver-assistance systems about potholes and black ice",
            "description_en": (
                "Roadsense Labs fuses a front camera with wheel-speed signals to classify the road surface "
                "ahead (wet, icy, gravel, potholes) 80 metres out, on an automotive-grade chip. Winter trials "
                "with a delivery fleet in Hanbit logged 1.4 million kilometres."
            ),
            "stage": "seed",
            "founded_on": date(2021, 10, 4),
            "team_size": 17,
            "location": "Hanbit, Mobility Cluster (Nuri-gu)",
            "country": "kr",
            "website": "https://roadsense.example",
            "investors": ["Apex Mobility Partners"],
            "customers": ["Hanbit Logistics Co-op"],
            "target_markets": ["kr", "de", "se"],
            "tags": ["ADAS", "winter driving"],
            "needs_en": "A carmaker or tier-1 supplier to validate on test tracks, and road-authority data.",
            "offers_en": "A perception SDK that runs on common automotive SoCs.",
        },
        sectors=("automotive",),
        technologies=("computer_vision", "edge_ai", "robotics_control"),
    ),
    DemoProfile(  # English only
        owner="",
        values={
            "name_en": "CareLoop",
            "one_liner_en": "Bed-occupancy and discharge forecasting for hospital operations teams",
            "description_en": (
                "CareLoop predicts admissions, discharges and bed occupancy per ward 72 hours ahead from the "
                "hospital's own records, so bed managers can plan staff and transfers. It runs inside the "
                "hospital network; no patient data leaves the building."
            ),
            "stage": "pre_seed",
            "founded_on": date(2023, 4, 12),
            "team_size": 7,
            "location": "Hanbit, Saebit-dong",
            "country": "kr",
            "website": "https://careloop.example",
            "target_markets": ["kr", "sg"],
            "tags": ["hospital operations"],
            "needs_en": "A hospital group willing to share two years of de-identified admission records.",
            "offers_en": "A ward-level occupancy forecast with a daily planning board.",
        },
        sectors=("healthcare",),
        technologies=("forecasting",),
    ),
    DemoProfile(  # both languages
        owner="",
        values={
            "name_ko": "모아로보틱스",
            "name_en": "Moa Robotics",
            "one_liner_ko": "물류센터의 혼합 박스를 집어 옮기는 AI 피킹 로봇",
            "one_liner_en": "AI picking robots that handle mixed boxes in distribution centres",
            "description_ko": (
                "모아로보틱스의 로봇 팔은 처음 보는 크기와 재질의 박스도 3D 비전으로 인식해 시간당 900개를 "
                "집어 옮깁니다. 기존 컨베이어에 하루 만에 설치합니다."
            ),
            "description_en": (
                "Moa Robotics' arms recognise boxes of unseen sizes and materials with 3D vision and move 900 "
                "of them an hour. They install on existing conveyors in a day."
            ),
            "stage": "series_b",
            "founded_on": date(2018, 5, 28),
            "team_size": 58,
            "location": "한빛시 물류단지로",
            "country": "kr",
            "website": "https://moarobotics.example",
            "funding_raised": 21_000 * MILLION,
            "investors": ["Korea Growth Partners", "한빛창업투자"],
            "customers": ["한빛택배", "Daehan Cold Chain"],
            "target_markets": ["kr", "jp", "us"],
            "tags": ["피킹", "palletising"],
            "needs_ko": "부품 물류센터 실증 현장이 필요합니다.",
            "needs_en": "A parts warehouse to pilot in.",
            "offers_ko": "로봇 임대형(RaaS) 도입 모델을 제공합니다.",
            "offers_en": "Robots as a service, priced per pick.",
        },
        sectors=("logistics", "robotics"),
        technologies=("robotics_control", "computer_vision"),
    ),
    DemoProfile(  # both languages
        owner="",
        values={
            "name_ko": "솔라핏",
            "name_en": "SolarFit",
            "one_liner_ko": "드론 열화상으로 태양광 패널 결함을 찾아 발전량 손실을 줄이는 AI",
            "one_liner_en": "Drone thermal imaging AI that finds faulty solar panels before they cost output",
            "description_ko": (
                "솔라핏은 드론으로 찍은 열화상 영상에서 핫스팟, 바이패스 다이오드 고장, 오염을 패널 단위로 "
                "찾아 정비 우선순위를 매깁니다. 서해안 태양광 발전소 120MW를 점검했습니다."
            ),
            "description_en": (
                "SolarFit analyses drone thermal footage to find hot spots, failed bypass diodes and soiling "
                "panel by panel, and ranks the repairs. It has inspected 120 MW of solar farms on the west coast."
            ),
            "stage": "seed",
            "founded_on": date(2021, 7, 19),
            "team_size": 12,
            "location": "한빛시 서해구",
            "country": "kr",
            "website": "https://solarfit.example",
            "funding_raised": 1_200 * MILLION,
            "investors": ["Westcoast Climate Ventures"],
            "customers": ["서해에너지"],
            "target_markets": ["kr", "vn", "au"],
            "tags": ["태양광", "drone inspection"],
            "needs_ko": "대규모 발전소의 점검 이력 데이터가 필요합니다.",
            "needs_en": "Maintenance histories of large solar farms.",
            "offers_ko": "패널 단위 결함 지도와 정비 비용 추정을 제공합니다.",
            "offers_en": "Panel-level fault maps with repair cost estimates.",
        },
        sectors=("energy", "aerospace"),
        technologies=("computer_vision", "anomaly_detection"),
    ),
)

DAY = timedelta(days=1)

NEEDS: tuple[DemoNeed, ...] = (
    # -- Hanbit Mobility -------------------------------------------------------------------------
    DemoNeed(
        corporation=MOBILITY, status="open", opens_in=-7 * DAY, closes_in=45 * DAY,
        data={
            "title_ko": "전기차 배터리 팩 이상 징후 조기 탐지 기술검증",
            "title_en": "Early fault detection for EV battery packs (PoC)",
            "description_ko": "양산 차량 300대의 배터리 팩 운행 데이터로 열폭주 전조와 셀 불균형을 조기에 찾는 모델을 3개월간 검증합니다.",
            "description_en": "A three-month PoC on pack data from 300 production cars: detect early signs of thermal runaway and cell imbalance.",
            "sectors": ["automotive", "energy"], "technologies": ["anomaly_detection", "forecasting"],
            "stages": ["seed", "series_a"], "countries": ["kr"], "locations": "한빛시",
            "team_size_min": 5, "team_size_max": 100, "engagement_type": "poc",
            "budget_min": 50 * MILLION, "budget_max": 150 * MILLION, "visibility": "public",
        },
    ),
    DemoNeed(
        corporation=MOBILITY, status="open", opens_in=-3 * DAY, closes_in=30 * DAY,
        data={
            "title_ko": "차량 실내 한국어 음성 비서 공동 개발",
            "description_ko": "사투리와 차량 소음 속에서도 알아듣는 차량용 한국어 음성 비서를 공동 개발할 스타트업을 찾습니다. 양산 차종 탑재를 목표로 합니다.",
            "sectors": ["automotive"], "technologies": ["speech", "nlp"], "stages": ["seed", "series_a", "series_b"],
            "countries": ["kr"], "engagement_type": "co_development",
            "budget_min": 200 * MILLION, "budget_max": 500 * MILLION,
            "visibility": "anonymised", "anonymised_label_ko": "글로벌 완성차 기업", "anonymised_label_en": "a global automaker",
        },
    ),
    DemoNeed(
        corporation=MOBILITY, status="draft", opens_in=14 * DAY, closes_in=60 * DAY,
        data={
            "title_en": "Computer vision for weld-seam inspection",
            "description_en": "Inline inspection of weld seams on battery housings, replacing manual sampling.",
            "sectors": ["manufacturing", "automotive"], "technologies": ["computer_vision"],
            "engagement_type": "poc", "visibility": "public",
        },
    ),
    # -- Seohae Energy ---------------------------------------------------------------------------
    DemoNeed(
        corporation=SEOHAE, status="open", opens_in=-10 * DAY, closes_in=20 * DAY,
        data={
            "title_en": "Short-term load forecasting for industrial customers",
            "description_en": "Forecast the 15-minute load of 50 industrial customers a day ahead; we provide three years of meter data.",
            "sectors": ["energy"], "technologies": ["forecasting"], "stages": ["seed", "series_a"],
            "countries": ["kr"], "engagement_type": "poc",
            "budget_min": 30 * MILLION, "budget_max": 80 * MILLION, "visibility": "verified",
        },
    ),
    DemoNeed(
        corporation=SEOHAE, status="open", opens_in=-1 * DAY, closes_in=90 * DAY,
        data={
            "title_ko": "태양광 발전소 드론 점검 데이터 공유",
            "title_en": "Sharing drone inspection data of our solar farms",
            "description_ko": "서해안 태양광 발전소의 드론 열화상 영상 2년치를 결함 탐지 모델 개발에 공유합니다.",
            "description_en": "Two years of drone thermal footage from our west-coast solar farms, shared to train fault-detection models.",
            "sectors": ["energy", "aerospace"], "technologies": ["computer_vision", "anomaly_detection"],
            "engagement_type": "data_sharing", "visibility": "staff",
        },
    ),
    DemoNeed(
        corporation=SEOHAE, status="closed", opens_in=-90 * DAY, closes_in=-30 * DAY,
        data={
            "title_en": "Predictive maintenance for gas turbines",
            "description_en": "Predict blade and bearing faults of two gas turbines from vibration and temperature data.",
            "sectors": ["energy"], "technologies": ["anomaly_detection", "digital_twin"],
            "engagement_type": "co_development", "budget_min": 100 * MILLION, "budget_max": 300 * MILLION,
            "visibility": "public",
        },
    ),
    # -- Onnuri Healthcare -----------------------------------------------------------------------
    DemoNeed(
        corporation=ONNURI, status="open", opens_in=-5 * DAY, closes_in=40 * DAY,
        data={
            "title_ko": "흉부 X선 판독 보조 AI 병원 실증",
            "description_ko": "온누리헬스케어 종합병원 세 곳의 응급실에서 흉부 X선 판독 보조 AI를 6개월간 실증할 기업을 찾습니다. 인허가를 받았거나 확증 임상 중이어야 합니다.",
            "sectors": ["healthcare"], "technologies": ["medical_ai", "computer_vision"],
            "stages": ["series_a", "series_b", "growth"], "countries": ["kr"], "locations": "한빛시",
            "engagement_type": "poc", "budget_min": 80 * MILLION, "budget_max": 200 * MILLION, "visibility": "public",
        },
    ),
    DemoNeed(
        corporation=ONNURI, status="open", opens_in=-2 * DAY, closes_in=60 * DAY,
        data={
            "title_ko": "병상 가동률·퇴원 예측 모델 공동 개발",
            "title_en": "Co-developing bed-occupancy and discharge forecasts",
            "description_ko": "병동별 병상 가동률과 퇴원 시점을 72시간 앞서 예측하는 모델을 원내 데이터로 함께 개발합니다.",
            "description_en": "Forecast ward occupancy and discharges 72 hours ahead, built together on our own records.",
            "sectors": ["healthcare"], "technologies": ["forecasting", "data_infrastructure"],
            "stages": ["pre_seed", "seed"], "engagement_type": "co_development", "visibility": "anonymised",
            "anonymised_label_ko": "수도권 대형 병원 그룹", "anonymised_label_en": "a large hospital group",
        },
    ),
    DemoNeed(
        corporation=ONNURI, status="open", opens_in=-4 * DAY, closes_in=35 * DAY,
        data={
            "title_ko": "퇴원한 어르신 안부 확인 음성 AI 시범 운영",
            "description_ko": "퇴원 후 혼자 지내는 어르신 200명에게 음성 AI로 안부를 묻고 이상 징후를 간호팀에 알리는 시범 사업입니다.",
            "sectors": ["healthcare", "public_sector"], "technologies": ["speech", "nlp"],
            "engagement_type": "supply", "budget_min": 20 * MILLION, "budget_max": 60 * MILLION, "visibility": "verified",
        },
    ),
)


async def _organisation_ids(kind: str) -> dict[str, int]:
    rows = await Organisation.select(Organisation.id, Organisation.business_registration_number).where(
        Organisation.kind == kind
    ).run()
    return {row["business_registration_number"]: row["id"] for row in rows}


async def _owner_id(organisation_id: int) -> int | None:
    """The first active owner of ``organisation_id`` (the demo's owner), or None."""
    owners = await OrganisationDirectory().owners(organisation_id)
    return owners[0]["id"] if owners else None


async def _agency_profile_exists(values: dict[str, Any]) -> bool:
    condition = StartupProfile.organisation.is_null()
    names = [
        (StartupProfile.name_ko == values["name_ko"]) if values.get("name_ko") else None,
        (StartupProfile.name_en == values["name_en"]) if values.get("name_en") else None,
    ]
    name_match = None
    for item in names:
        if item is not None:
            name_match = item if name_match is None else (name_match | item)
    return await StartupProfile.exists().where(condition & name_match).run()


async def _seed_profiles(now: datetime) -> int:
    repository = ProfileRepository()
    startups = await _organisation_ids("startup")
    created = 0
    for profile in PROFILES:
        if profile.owner:
            organisation_id = startups.get(profile.owner)
            if organisation_id is None or await repository.for_organisation(organisation_id) is not None:
                continue
        else:
            organisation_id = None
            if await _agency_profile_exists(profile.values):
                continue
        values = {
            **profile.values,
            "organisation": organisation_id,
            "status": "active",
            "onboarding_step": LAST_STEP,
            "onboarding_completed_at": now,
        }
        await repository.save_profile(
            values, tags={"sector": list(profile.sectors), "technology": list(profile.technologies)}
        )
        created += 1
    return created


async def _seed_needs(now: datetime, zone: ZoneInfo) -> int:
    service = PartnerNeedService(zone)
    corporations = await _organisation_ids("corporate")
    created = 0
    for need in NEEDS:
        organisation_id = corporations.get(need.corporation)
        if organisation_id is None:
            continue
        titles = [
            PartnerNeed.title_ko == need.data["title_ko"] if need.data.get("title_ko") else None,
            PartnerNeed.title_en == need.data["title_en"] if need.data.get("title_en") else None,
        ]
        title_match = titles[0] if titles[0] is not None else titles[1]
        if titles[0] is not None and titles[1] is not None:
            title_match = titles[0] | titles[1]
        if await PartnerNeed.exists().where((PartnerNeed.organisation == organisation_id) & title_match).run():
            continue
        owner_id = await _owner_id(organisation_id)
        viewer = await load_viewer(owner_id) if owner_id is not None else None
        if viewer is None or viewer.membership_in(organisation_id) is None:
            continue
        data = {
            **need.data,
            "status": "draft" if need.status == "draft" else "open",
            "opens_at": now + need.opens_in,
            "closes_at": now + need.closes_in,
        }
        view = await service.create(organisation_id, viewer, data)
        if need.status == "closed":
            await service.change_status(view.id, viewer, "close")
        created += 1
    return created


async def seed_profiles_and_needs(zone: ZoneInfo | None = None) -> dict[str, int]:
    """Add the demo profiles and partner needs that are missing; returns ``{"profiles": n,
    "needs": m}``, how many of each were created (0 and 0 on a second run).

    Needs the demo organisations and owners of :func:`hubcity.demo.seed_demo` (missing ones are
    skipped). Seeds the taxonomies' missing terms first (the needs' slugs are checked against
    them). zone: the agency's time zone (``settings.zone``; Asia/Seoul by default); the needs'
    windows are exact instants around :func:`hubcity.core.clock.utcnow` either way. Needs are
    created through :class:`PartnerNeedService` as their corporation's owner (so they are
    audited), profiles through :meth:`ProfileRepository.save_profile` as finished onboardings.
    One transaction.
    """
    now = utcnow()
    async with write_transaction():
        await taxonomy.seed_missing()
        profiles = await _seed_profiles(now)
        needs = await _seed_needs(now, zone or ZoneInfo("Asia/Seoul"))
    return {"profiles": profiles, "needs": needs}
