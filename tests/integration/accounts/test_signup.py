"""Sign-up: the page, the rules of each field, one transaction, and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.schemas import normalise_email
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core import audit
from hubcity.db.tables import AuditEntry, Consent, Membership, Organisation, User
from tests.conftest import api_call, post_form
from tests.factories.accounts import (
    DEFAULT_PASSWORD,
    audit_actions,
    create_org,
    create_user,
    element_attrs,
    latest_email,
    login,
    signup_data,
)


async def row_counts() -> dict[str, int]:
    return {
        table.__name__: await table.count().run() for table in (User, Organisation, Membership, Consent, AuditEntry)
    }


async def test_signup_page_full_and_fragment(client: AsyncTestClient) -> None:
    full = await client.get("/signup?kind=corporate")
    assert full.status_code == 200
    assert "<html" in full.text and "Sign up as a corporation" in full.text
    # each consent is a separate checkbox with its versioned summary; collection is required
    for purpose, terms in CONSENT_TERMS.items():
        assert f'name="consent_{purpose}"' in full.text
        assert terms.summary["en"][:40] in full.text
    assert "required" in element_attrs(full.text, "field-consent_collection")
    assert "required" not in element_attrs(full.text, "field-consent_marketing")
    assert '<option value="corporate" selected>' in full.text
    fragment = await client.get("/signup?kind=startup", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "Sign up as a startup" in fragment.text


async def test_signup_creates_everything_and_logs_in(client: AsyncTestClient) -> None:
    data = signup_data(email="  Founder@Example.COM ", locale="ko", kind="corporate", consent_marketing="yes")
    response = await post_form(client, "/signup", data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"

    user = await User.select().where(User.email == "founder@example.com").first().run()
    assert user is not None and user["name"] == "Kim Minji" and user["locale"] == "ko"
    assert user["password_hash"].startswith("$argon2id$") and DEFAULT_PASSWORD not in user["password_hash"]
    org = await Organisation.select().first().run()
    assert org["kind"] == "corporate"
    assert org["business_registration_number"] == "1168200276"  # digits only
    assert (org["name_ko"], org["name_en"]) == ("하늘 AI", "Haneul AI")
    membership = await Membership.select().first().run()
    assert (membership["user"], membership["organisation"], membership["role"]) == (user["id"], org["id"], "owner")
    consents = await Consent.select().where(Consent.user == user["id"]).order_by(Consent.id).run()
    assert [(c["purpose"], c["terms_version"]) for c in consents] == [
        ("collection", CONSENT_TERMS["collection"].version),
        ("third_party_provision", CONSENT_TERMS["third_party_provision"].version),
        ("marketing", CONSENT_TERMS["marketing"].version),
    ]
    assert all(c["withdrawn_at"] is None for c in consents)
    actions = await audit_actions(user["id"])
    assert actions.count("consent.given") == 3 and actions[-1] == "account.signup"
    signup_entry = await AuditEntry.select().where(AuditEntry.action == "account.signup").first().run()
    assert json.loads(signup_entry["after"])["organisation_id"] == org["id"]

    # logged in, in the chosen language
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200
    assert '<html lang="ko">' in dashboard.text
    assert "하늘 AI" in dashboard.text


async def test_a_startup_signup_goes_on_to_its_onboarding(client: AsyncTestClient) -> None:
    response = await post_form(client, "/signup", signup_data(kind="startup"), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/startups/onboarding"
    first = await client.get(response.headers["location"])
    assert first.status_code == 200
    assert 'data-step="1"' in first.text  # no existing profile has its name: step 1 straight away
    assert "Your account and your organisation are ready." in first.text  # the welcome travels along


async def test_signup_with_only_an_english_name_and_optional_consents_left_out(client: AsyncTestClient) -> None:
    data = signup_data(org_name_ko="", consent_third_party_provision=None, business_registration_number="1168200276")
    response = await post_form(client, "/signup", data, follow_redirects=False)
    assert response.status_code == 303
    consents = await Consent.select(Consent.purpose).run()
    assert [c["purpose"] for c in consents] == ["collection"]


BAD_FIELDS = [
    pytest.param({"email": None}, "email", "Email is required.", id="missing-email"),
    pytest.param({"email": "not-an-email"}, "email", "Email: must be an email address", id="bad-email"),
    pytest.param({"name": "  "}, "name", "Your name is required.", id="missing-name"),
    pytest.param(
        {"password": None, "password_confirm": None}, "password", "Password is required.", id="missing-password"
    ),
    pytest.param(
        {"password": "short", "password_confirm": "short"},
        "password",
        "Password must be at least 10 characters.",
        id="short-password",
    ),
    pytest.param(
        {"password_confirm": "something else entirely"},
        "password_confirm",
        "Confirm password: must be the same as the password.",
        id="mismatched-confirm",
    ),
    pytest.param({"kind": "agency"}, "kind", "Organisation kind must be one of: Startup, Corporation.", id="bad-kind"),
    pytest.param({"password": "", "password_confirm": ""}, "password", "Password is required.", id="empty-password"),
    pytest.param({"name": "\u200b\u3164"}, "name", "Your name is required.", id="invisible-name"),
    pytest.param(
        {"name": "Kim\u202eMinji"}, "name", "Your name contains a character that reverses the direction of text", id="bidi-name"
    ),
    pytest.param(
        {"business_registration_number": "134-86-72684"},
        "business_registration_number",
        "Business registration number: is not a valid number: its last digit does not match the National Tax "
        "Service check digit. Check it for typos.",
        id="wrong-check-digit",
    ),
    pytest.param(
        {"org_name_ko": "", "org_name_en": ""},
        "org_name_en",
        "Organisation name (English): enter the name in Korean, in English, or both.",
        id="no-organisation-name",
    ),
    pytest.param(
        {"business_registration_number": None},
        "business_registration_number",
        "Business registration number is required.",
        id="missing-brn",
    ),
    pytest.param(
        {"business_registration_number": "123-45-678"},
        "business_registration_number",
        "Business registration number: must have exactly 10 digits",
        id="short-brn",
    ),
    pytest.param(
        {"business_registration_number": "12A-45-67890"},
        "business_registration_number",
        "Business registration number: may contain only digits and hyphens",
        id="letters-in-brn",
    ),
    pytest.param(
        {"business_registration_number": "000-00-00000"},
        "business_registration_number",
        "Business registration number: must be a valid Korean business registration number.",
        id="impossible-brn",
    ),
    pytest.param(
        {"consent_collection": None},
        "consent_collection",
        "Consent to the collection and use of personal data: must be given to create an account.",
        id="missing-collection-consent",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_FIELDS)
async def test_signup_bad_field_is_named_and_nothing_is_written(
    client: AsyncTestClient, overrides: dict[str, Any], field: str, message: str
) -> None:
    data = signup_data(**overrides)
    before = await row_counts()
    response = await post_form(client, "/signup", data)
    assert response.status_code == 422
    text = response.text.replace("&#39;", "'")
    assert message in text
    attrs = element_attrs(response.text, f"field-{field}")  # the error is tied to its field
    assert attrs["aria-invalid"] == "true" and f"error-{field}" in attrs["aria-describedby"].split()
    assert f'href="#field-{field}"' in response.text  # the summary links to it
    # what was typed is kept, passwords are not
    if data.get("name", "").strip():
        assert f'value="{data["name"]}"' in text
    assert DEFAULT_PASSWORD not in text
    assert await row_counts() == before


async def test_duplicate_email_is_a_field_error(client: AsyncTestClient) -> None:
    existing = await create_user(email="taken@example.com")
    before = await row_counts()
    response = await post_form(client, "/signup", signup_data(email="TAKEN@example.com"))
    assert response.status_code == 422
    assert "an account with this email address already exists" in response.text
    assert 'value="TAKEN@example.com"' in response.text
    assert await row_counts() == before
    assert (await User.select(User.id).where(User.email == "taken@example.com").run()) == [{"id": existing["id"]}]


async def test_a_failure_midway_leaves_nothing_half_written(
    client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_record = audit.record

    async def failing_record(action: str, **kwargs: Any) -> int:
        if action == "account.signup":  # after user, organisation, membership and consents
            raise RuntimeError("disk full")
        return await real_record(action, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    before = await row_counts()
    response = await post_form(client, "/signup", signup_data())
    assert response.status_code == 500
    assert await row_counts() == before


async def test_signup_api_creates_and_logs_in(client: AsyncTestClient) -> None:
    data = signup_data(email="api@example.com")
    data.pop("password_confirm")
    data["consent_collection"] = True
    data["consent_third_party_provision"] = False
    response = await api_call(client, "POST", "/api/v1/auth/signup", data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "api@example.com"
    assert body["organisations"][0]["role"] == "owner" and body["organisations"][0]["kind"] == "startup"
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["user"]["email"] == "api@example.com"


async def test_signup_api_bad_input_gives_the_pages_messages(client: AsyncTestClient) -> None:
    before = await row_counts()
    response = await api_call(
        client,
        "POST",
        "/api/v1/auth/signup",
        {"email": "x@example.com", "password": "short", "business_registration_number": "1"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert body["fields"]["password"] == "Password must be at least 10 characters."
    assert body["fields"]["business_registration_number"].startswith(
        "Business registration number: must have exactly 10 digits"
    )
    assert body["fields"]["consent_collection"].endswith("must be given to create an account.")
    assert await row_counts() == before


async def test_a_registration_number_already_on_hubcity_is_refused_without_naming_the_organisation(
    client: AsyncTestClient,
) -> None:
    owner = await create_user()
    await create_org(owner=owner, name_en="Secret Robotics", registration_number="1348672683")
    before = await row_counts()
    response = await post_form(client, "/signup", signup_data(business_registration_number="134-86-72683"))
    assert response.status_code == 422
    assert "an organisation with this number is already on Hubcity. Ask its owner to invite you" in response.text
    assert "Secret Robotics" not in response.text
    assert await row_counts() == before
    api = await api_call(client, "POST", "/api/v1/auth/signup", {**signup_data(business_registration_number="1348672683"), "consent_collection": True})
    assert api.status_code == 422 and set(api.json()["fields"]) == {"business_registration_number"}


async def test_the_help_text_example_is_a_valid_number(client: AsyncTestClient) -> None:
    page = await client.get("/signup")
    assert "as in 134-86-72683." in page.text
    response = await post_form(client, "/signup", signup_data(business_registration_number="134-86-72683"), follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("jos\u00e9@example.com", "JOSE\u0301@example.com"),  # precomposed / decomposed, any case
        ("info@b\u00fccher.de", "INFO@xn--bcher-kva.de"),  # the domain in Unicode / in IDNA (ASCII)
    ],
)
async def test_spellings_of_one_address_are_one_account(client: AsyncTestClient, first: str, second: str) -> None:
    created = await post_form(client, "/signup", signup_data(email=first), follow_redirects=False)
    assert created.status_code == 303
    await post_form(client, "/logout", {})
    again = await post_form(client, "/signup", signup_data(email=second, business_registration_number="220-81-01238"))
    assert again.status_code == 422 and "an account with this email address already exists" in again.text
    assert (await login(client, second)).status_code == 303  # and logging in with either spelling works
    await post_form(client, "/logout", {})
    await post_form(client, "/password-reset", {"email": second})
    mail = await latest_email(normalise_email(first))
    assert mail is not None and mail["template"] == "password_reset"


async def test_choice_errors_are_in_korean_for_korean_visitors(client: AsyncTestClient) -> None:
    await post_form(client, "/locale", {"locale": "ko"})
    response = await post_form(client, "/signup", signup_data(kind="agency"))
    assert response.status_code == 422
    assert "스타트업, 기업" in response.text and "&#39;startup&#39;" not in response.text
