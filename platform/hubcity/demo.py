"""Demo content, written for this project: a fictional city's AI agency, its startups and corporations.

Everything here is invented: the city of Hanbit (한빛시), its AI industrial-convergence agency,
five startups and three corporations (automotive, energy, healthcare), their owners, and one
staff account per agency role. Names are given in Korean and English; some people use Hubcity
in Korean, some in English. The business registration numbers are made up but well-formed:
they pass ``stdnum.kr.brn.is_valid`` and the National Tax Service check digit
(:func:`hubcity.accounts.registration_numbers.nts_check_digit`, which sign-up applies too).

Every demo account logs in with :data:`DEMO_PASSWORD`; every email ends in ``@demo.hubcity.kr``.
:func:`seed_demo` is idempotent: it only adds what is missing, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubcity.accounts.roles import RoleService, write_transaction
from hubcity.accounts.terms import COLLECTION, CONSENT_TERMS, MARKETING, THIRD_PARTY_PROVISION
from hubcity.core.clock import utcnow
from hubcity.core.passwords import hash_password, verify_password
from hubcity.db.tables import Consent, Membership, Organisation, User

DEMO_PASSWORD = "hubcity-demo-2026"
DEMO_DOMAIN = "demo.hubcity.kr"
PROGRAM_MANAGER_EMAIL = f"pm@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    locale: str  # ko | en


@dataclass(frozen=True)
class DemoOrganisation:
    """An organisation with its owner. ``sector`` and the one-liners feed the next issue's profiles."""

    kind: str  # startup | corporate | agency
    name_ko: str
    name_en: str
    registration_number: str  # 10 digits
    owner: DemoPerson
    sector: str = ""
    one_liner_ko: str = ""
    one_liner_en: str = ""
    verified: bool = True
    marketing: bool = False


@dataclass(frozen=True)
class DemoStaff:
    person: DemoPerson
    role: str


AGENCY = DemoOrganisation(
    kind="agency",
    name_ko="한빛시 AI융합산업진흥원",
    name_en="Hanbit City AI Convergence Industry Agency",
    registration_number="3058201138",
    owner=DemoPerson(f"admin@{DEMO_DOMAIN}", "김서연", "ko"),
    one_liner_ko="한빛시의 AI 스타트업 육성과 산업 융합을 지원하는 공공 진흥기관",
    one_liner_en="The public agency that grows Hanbit's AI startups and connects them with industry",
)

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(AGENCY.owner, "admin"),
    DemoStaff(DemoPerson(PROGRAM_MANAGER_EMAIL, "이준호", "ko"), "program_manager"),
    DemoStaff(DemoPerson(f"finance@{DEMO_DOMAIN}", "Daniel Cho", "en"), "finance"),
    DemoStaff(DemoPerson(f"reviewer@{DEMO_DOMAIN}", "Emma Park", "en"), "reviewer"),
)

STARTUPS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        kind="startup",
        name_ko="누리비전",
        name_en="Nuri Vision",
        registration_number="3058102445",
        owner=DemoPerson(f"haneul.jung@{DEMO_DOMAIN}", "정하늘", "ko"),
        sector="manufacturing",
        one_liner_ko="제조 라인의 불량을 카메라 한 대로 잡아내는 비전 검사 AI",
        one_liner_en="Vision inspection AI that catches defects on a production line with a single camera",
        marketing=True,
    ),
    DemoOrganisation(
        kind="startup",
        name_ko="한빛메디랩",
        name_en="Hanbit MediLab",
        registration_number="3058603570",
        owner=DemoPerson(f"sophie.han@{DEMO_DOMAIN}", "Sophie Han", "en"),
        sector="healthcare",
        one_liner_ko="흉부 X선 판독을 돕는 의료 영상 AI",
        one_liner_en="Medical imaging AI that helps radiologists read chest X-rays",
    ),
    DemoOrganisation(
        kind="startup",
        name_ko="파란셀",
        name_en="Paran Cell",
        registration_number="3058704687",
        owner=DemoPerson(f"dohyun.yoon@{DEMO_DOMAIN}", "윤도현", "ko"),
        sector="mobility",
        one_liner_ko="전기차 배터리의 수명과 이상을 예측하는 AI",
        one_liner_en="AI that predicts the health and faults of electric-vehicle batteries",
    ),
    DemoOrganisation(
        kind="startup",
        name_ko="말벗에이아이",
        name_en="Malbeot AI",
        registration_number="3058805795",
        owner=DemoPerson(f"minseo.kang@{DEMO_DOMAIN}", "강민서", "ko"),
        sector="care",
        one_liner_ko="어르신과 대화하며 안부를 살피는 한국어 돌봄 대화 AI",
        one_liner_en="Korean conversational AI that keeps older people company and checks on them",
        verified=False,
    ),
    DemoOrganisation(
        kind="startup",
        name_ko="그리드웨이브",
        name_en="GridWave",
        registration_number="3058606811",
        owner=DemoPerson(f"ethan.lim@{DEMO_DOMAIN}", "Ethan Lim", "en"),
        sector="energy",
        one_liner_ko="공장과 건물의 전력 수요를 예측해 피크 요금을 줄이는 AI",
        one_liner_en="AI that forecasts the power demand of plants and buildings to cut peak charges",
        verified=False,
        marketing=True,
    ),
)

CORPORATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        kind="corporate",
        name_ko="한빛모빌리티",
        name_en="Hanbit Mobility",
        registration_number="3148107920",
        owner=DemoPerson(f"jihoon.oh@{DEMO_DOMAIN}", "오지훈", "ko"),
        sector="automotive",
        one_liner_ko="한빛시에 생산 공장을 둔 완성차 부품 제조사",
        one_liner_en="An automotive parts maker with its plant in Hanbit",
    ),
    DemoOrganisation(
        kind="corporate",
        name_ko="서해에너지",
        name_en="Seohae Energy",
        registration_number="3148608230",
        owner=DemoPerson(f"grace.yoo@{DEMO_DOMAIN}", "Grace Yoo", "en"),
        sector="energy",
        one_liner_ko="서해안 발전소와 지역 전력망을 운영하는 에너지 기업",
        one_liner_en="An energy company running power plants and the regional grid on the west coast",
    ),
    DemoOrganisation(
        kind="corporate",
        name_ko="온누리헬스케어",
        name_en="Onnuri Healthcare",
        registration_number="3148509343",
        owner=DemoPerson(f"chaewon.lim@{DEMO_DOMAIN}", "임채원", "ko"),
        sector="healthcare",
        one_liner_ko="종합병원 세 곳과 건강검진센터를 운영하는 의료 그룹",
        one_liner_en="A healthcare group running three general hospitals and a health-screening centre",
    ),
)

ORGANISATIONS: tuple[DemoOrganisation, ...] = (AGENCY, *STARTUPS, *CORPORATIONS)


def staff_logins() -> list[tuple[str, str]]:
    """(email, role) of each demo staff account; all log in with :data:`DEMO_PASSWORD`."""
    return [(staff.person.email, staff.role) for staff in STAFF]


async def demo_staff_logins() -> list[tuple[str, tuple[str, ...]]]:
    """(email, roles) of the demo staff accounts that exist, hold a role and still have :data:`DEMO_PASSWORD`."""
    emails = [staff.person.email for staff in STAFF]
    rows = await User.select(User.email, User.password_hash).where(
        User.email.is_in(emails) & User.deleted_at.is_null() & User.is_active.eq(True)
    ).run()
    usable = {row["email"] for row in rows if verify_password(row["password_hash"], DEMO_PASSWORD)}
    staff = await RoleService().staff_with_emails(emails)
    return [(email, roles) for email, roles in staff if email in usable]


@dataclass
class DemoReport:
    """What :func:`seed_demo` did. ``skipped``: ``if_empty`` was asked and users already existed."""

    skipped: bool = False
    organisations: list[str] = field(default_factory=list)  # "kind: English name" created
    users: list[str] = field(default_factory=list)  # emails created
    staff: list[tuple[str, str]] = field(default_factory=list)  # (email, role) of the demo staff

    @property
    def created_anything(self) -> bool:
        return bool(self.organisations or self.users)


async def _organisation_id(org: DemoOrganisation, verified_by: int | None) -> tuple[int, bool]:
    row = await (
        Organisation.select(Organisation.id)
        .where((Organisation.kind == org.kind) & (Organisation.business_registration_number == org.registration_number))
        .first()
        .run()
    )
    if row:
        return row["id"], False
    now = utcnow()
    created = Organisation(
        kind=org.kind,
        name_ko=org.name_ko,
        name_en=org.name_en,
        business_registration_number=org.registration_number,
        verified_at=now if org.verified else None,
        verified_by=verified_by if org.verified else None,
        created_at=now,
    )
    await created.save().run()
    return created.id, True


async def _user_id(person: DemoPerson, password_hash: str) -> tuple[int, bool]:
    row = await User.select(User.id).where(User.email == person.email).first().run()
    if row:
        return row["id"], False
    user = User(
        email=person.email, name=person.name, locale=person.locale, password_hash=password_hash, is_active=True, created_at=utcnow()
    )
    await user.save().run()
    return user.id, True


async def _ensure_membership(user_id: int, organisation_id: int, role: str) -> None:
    exists = await Membership.exists().where((Membership.user == user_id) & (Membership.organisation == organisation_id)).run()
    if not exists:
        await Membership(user=user_id, organisation=organisation_id, role=role, created_at=utcnow()).save().run()


async def _ensure_consents(user_id: int, purposes: list[str]) -> None:
    for purpose in purposes:
        exists = await Consent.exists().where((Consent.user == user_id) & (Consent.purpose == purpose)).run()
        if not exists:
            terms = CONSENT_TERMS[purpose]
            await Consent(user=user_id, purpose=purpose, terms_version=terms.version, given_at=utcnow()).save().run()


async def seed_demo(*, if_empty: bool = False, roles: RoleService | None = None) -> DemoReport:
    """Add the demo organisations, owners (with consents) and staff that are missing.

    if_empty: do nothing when any user exists. roles: the service granting staff roles (its
    notifier, if any, emails the new staff; the default sends nothing). One transaction.
    """
    report = DemoReport(staff=staff_logins())
    if if_empty and await User.count().run() > 0:
        report.skipped = True
        return report
    roles = roles or RoleService()
    password_hash = hash_password(DEMO_PASSWORD)
    async with write_transaction():
        staff_ids: dict[str, int] = {}
        for staff in STAFF:
            user = await User.select(User.id).where(User.email == staff.person.email).first().run()
            if user is None:
                account = await roles.create_staff(
                    staff.person.email, staff.person.name, DEMO_PASSWORD, [staff.role], staff.person.locale
                )
                staff_ids[staff.person.email] = account.user_id
                report.users.append(staff.person.email)
            else:
                staff_ids[staff.person.email] = user["id"]
                await roles.grant_role(user["id"], staff.role, None)
        admin_id = staff_ids[AGENCY.owner.email]

        for org in ORGANISATIONS:
            organisation_id, created = await _organisation_id(org, admin_id)
            if created:
                report.organisations.append(f"{org.kind}: {org.name_en} / {org.name_ko}")
            if org.kind == "agency":
                for staff in STAFF:
                    role = "owner" if staff.role == "admin" else "member"
                    await _ensure_membership(staff_ids[staff.person.email], organisation_id, role)
                continue
            owner_id, created_user = await _user_id(org.owner, password_hash)
            if created_user:
                report.users.append(org.owner.email)
            await _ensure_membership(owner_id, organisation_id, "owner")
            purposes = [COLLECTION, THIRD_PARTY_PROVISION] + ([MARKETING] if org.marketing else [])
            await _ensure_consents(owner_id, purposes)
    return report
