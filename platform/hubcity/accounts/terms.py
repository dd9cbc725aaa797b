"""Consent purposes and the versioned terms a person agrees to (Korea's privacy law wants
separate, recorded consents).

The summary of each version is part of the terms themselves, so it is kept here in both
languages beside its version instead of in the translation catalog: a new text means a new
version. Only the purpose label goes through gettext.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubcity.core.i18n import N_

COLLECTION = "collection"
THIRD_PARTY_PROVISION = "third_party_provision"
MARKETING = "marketing"


@dataclass(frozen=True)
class ConsentTerms:
    """One purpose's current terms.

    purpose: stable key stored in ``Consent.purpose``; version: stored in ``Consent.terms_version``;
    required: the account cannot exist without it; label: gettext message id;
    summary: locale (``ko``/``en``) → the short text shown beside the checkbox.
    """

    purpose: str
    version: str
    required: bool
    label: str
    summary: dict[str, str]

    def summary_in(self, locale: str) -> str:
        """The summary in ``locale``, falling back to Korean."""
        return self.summary.get(locale) or self.summary["ko"]


CONSENT_TERMS: dict[str, ConsentTerms] = {
    COLLECTION: ConsentTerms(
        purpose=COLLECTION,
        version="2026-11",
        required=True,
        label=N_("Collection and use of personal data"),
        summary={
            "ko": "허브시티는 회원 관리와 프로그램 운영을 위해 이메일, 이름, 소속 기관 정보를 수집·이용합니다. "
            "정보는 회원 탈퇴 시까지 보유하며, 법령이 보존을 요구하는 기록(동의 이력, 감사 기록)은 그 기간 동안 보관합니다. "
            "동의하지 않으면 회원 가입을 할 수 없습니다.",
            "en": "Hubcity collects and uses your email, name and organisation details to run your account and "
            "the agency's programs. They are kept until you delete your account; records the law requires "
            "(consent history, audit log) are kept for as long as it requires. Without this consent you "
            "cannot create an account.",
        },
    ),
    THIRD_PARTY_PROVISION: ConsentTerms(
        purpose=THIRD_PARTY_PROVISION,
        version="2026-11",
        required=False,
        label=N_("Provision of personal data to third parties"),
        summary={
            "ko": "기업과 스타트업 간 소개를 위해 이름, 소속 기관, 연락처를 소개 상대방 기관에 제공합니다. "
            "동의하지 않아도 가입할 수 있지만, 소개 기능은 이용할 수 없습니다. 언제든 철회할 수 있습니다.",
            "en": "To introduce startups and corporations to each other, your name, organisation and contact "
            "details are provided to the organisation you are introduced to. You can sign up without it, but "
            "introductions then stay closed to you. You may withdraw it at any time.",
        },
    ),
    MARKETING: ConsentTerms(
        purpose=MARKETING,
        version="2026-11",
        required=False,
        label=N_("Marketing messages"),
        summary={
            "ko": "새 프로그램 공고, 행사, 뉴스레터를 이메일로 받습니다. 선택 사항이며 언제든 철회할 수 있습니다.",
            "en": "Receive emails about new calls, events and the newsletter. Optional; you may withdraw it at any time.",
        },
    ),
}

PURPOSES: tuple[str, ...] = tuple(CONSENT_TERMS)
