"""The taxonomies Hubcity starts with (slug, Korean label, English label), in display order.

Seeding inserts only slugs that are missing, so staff edits of labels survive. Slugs are stable
identifiers used in URLs, filters and imports; never rename one.
"""

from __future__ import annotations

SECTORS: list[tuple[str, str, str]] = [
    ("automotive", "자동차·모빌리티", "Automotive and mobility"),
    ("energy", "에너지", "Energy"),
    ("healthcare", "헬스케어", "Healthcare"),
    ("manufacturing", "제조", "Manufacturing"),
    ("robotics", "로보틱스", "Robotics"),
    ("logistics", "물류·공급망", "Logistics and supply chain"),
    ("climate", "기후·환경", "Climate and environment"),
    ("agriculture", "농업·식품", "Agriculture and food"),
    ("aerospace", "항공우주·드론", "Aerospace and drones"),
    ("biotech", "바이오", "Biotechnology"),
    ("fintech", "핀테크", "Fintech"),
    ("retail", "유통·커머스", "Retail and e-commerce"),
    ("education", "교육", "Education"),
    ("public_sector", "공공·스마트시티", "Public sector and smart city"),
    ("security", "보안", "Security"),
    ("construction", "건설·부동산", "Construction and real estate"),
    ("media", "미디어·콘텐츠", "Media and content"),
    ("enterprise_software", "기업용 소프트웨어", "Enterprise software"),
]

TECHNOLOGIES: list[tuple[str, str, str]] = [
    ("computer_vision", "컴퓨터 비전", "Computer vision"),
    ("nlp", "자연어 처리", "Natural language processing"),
    ("speech", "음성 인식·합성", "Speech recognition and synthesis"),
    ("recommendation", "추천 시스템", "Recommendation"),
    ("forecasting", "예측·시계열 분석", "Forecasting and time series"),
    ("robotics_control", "로봇 제어·자율주행", "Robotics, control and autonomy"),
    ("generative_ai", "생성형 AI", "Generative AI"),
    ("data_infrastructure", "데이터 인프라", "Data infrastructure"),
    ("optimization", "최적화", "Optimisation"),
    ("anomaly_detection", "이상 탐지", "Anomaly detection"),
    ("digital_twin", "디지털 트윈", "Digital twin"),
    ("edge_ai", "엣지 AI·AI 반도체", "Edge AI and AI chips"),
    ("medical_ai", "의료 AI", "Medical AI"),
    ("iot_sensing", "IoT·센서", "IoT and sensing"),
]

STAGES: list[tuple[str, str, str]] = [
    ("idea", "아이디어", "Idea"),
    ("pre_seed", "프리시드", "Pre-seed"),
    ("seed", "시드", "Seed"),
    ("series_a", "시리즈 A", "Series A"),
    ("series_b", "시리즈 B", "Series B"),
    ("growth", "성장 단계", "Growth"),
]

ENGAGEMENT_TYPES: list[tuple[str, str, str]] = [
    ("poc", "기술검증(PoC)", "Proof of concept (PoC)"),
    ("co_development", "공동 개발", "Co-development"),
    ("data_sharing", "데이터 공유", "Data sharing"),
    ("supply", "공급·납품", "Supply"),
    ("investment", "투자", "Investment"),
]

COUNTRIES: list[tuple[str, str, str]] = [
    ("kr", "대한민국", "South Korea"),
    ("us", "미국", "United States"),
    ("jp", "일본", "Japan"),
    ("cn", "중국", "China"),
    ("vn", "베트남", "Vietnam"),
    ("sg", "싱가포르", "Singapore"),
    ("id", "인도네시아", "Indonesia"),
    ("th", "태국", "Thailand"),
    ("in", "인도", "India"),
    ("ae", "아랍에미리트", "United Arab Emirates"),
    ("sa", "사우디아라비아", "Saudi Arabia"),
    ("de", "독일", "Germany"),
    ("fr", "프랑스", "France"),
    ("gb", "영국", "United Kingdom"),
    ("nl", "네덜란드", "Netherlands"),
    ("se", "스웨덴", "Sweden"),
    ("fi", "핀란드", "Finland"),
    ("es", "스페인", "Spain"),
    ("it", "이탈리아", "Italy"),
    ("ch", "스위스", "Switzerland"),
    ("il", "이스라엘", "Israel"),
    ("ca", "캐나다", "Canada"),
    ("mx", "멕시코", "Mexico"),
    ("br", "브라질", "Brazil"),
    ("au", "오스트레일리아", "Australia"),
    ("nz", "뉴질랜드", "New Zealand"),
    ("tw", "대만", "Taiwan"),
    ("hk", "홍콩", "Hong Kong"),
    ("my", "말레이시아", "Malaysia"),
    ("ph", "필리핀", "Philippines"),
]

TAXONOMIES: dict[str, list[tuple[str, str, str]]] = {
    "sector": SECTORS,
    "technology": TECHNOLOGIES,
    "stage": STAGES,
    "engagement_type": ENGAGEMENT_TYPES,
    "country": COUNTRIES,
}
