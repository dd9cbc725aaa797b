"""Turning a source record into a startup profile: the documented mapping tables.

What a source does not say stays empty: it is never guessed. A draft carries only the profile
fields its source provides; on a re-import only those fields are compared and updated, so what
staff or the startup filled in elsewhere (Korean texts, investors, …) is left alone.

YC record (``shared/data/yc_startups.json``, source ``yc``, external id = ``id``)
===============================================================================

=====================================  ==========================================================
YC field                               profile
=====================================  ==========================================================
``id``                                 ``external_id``; ``source_key`` = ``"yc:<id>"``
``name``                               ``name_en``
``one_liner``                          ``one_liner_en``
``long_description``                   ``description_en`` (``\\r\\n`` and ``\\r`` become ``\\n``;
                                       trimmed)
``team_size``                          ``team_size`` (a whole number, 0 to 100000; null stays empty)
``stage``                              ``"Growth"`` → ``growth``; ``"Early"`` is not a funding
                                       stage: the stage is left EMPTY (not provided)
``all_locations``                      ``location``
``regions``                            ``country``: the first region that is a country of
                                       :data:`~.labels.REGION_COUNTRIES` with an active country
                                       term; none → not provided (empty)
``website``                            ``website`` (``https://`` added when there is no scheme)
                                       and ``website_domain`` (lower-case host without ``www.``);
                                       anything but an http(s) address with a domain rejects
                                       the record
``status``                             ``Active``, ``Public`` → ``active``; ``Inactive`` →
                                       ``inactive``; ``Acquired`` → ``acquired``
``tags`` + ``industries`` +            sectors and technologies through
``subindustry`` parts (split at        :data:`~.labels.LABEL_TERMS` (table below)
``->``)
``tags``                               ``tags``: the original tags, kept as they are
``batch``                              one more tag, ``"YC <batch>"`` (e.g. ``YC Winter 2012``)
``launched_at``                        dropped: it is when the directory listed the company,
                                       not a founding date (``founded_on`` stays EMPTY)
``slug``, ``industry``                 dropped (``industry`` is also the first of
                                       ``industries``)
=====================================  ==========================================================

Labels → taxonomy terms (YC tags, industries and subindustry parts; compared case-insensitively;
a label not listed, or listed with "—", gives no term and stays only in ``tags``):

========================================  ================================================
label                                     sector / technology
========================================  ================================================
Automotive                                sector automotive
Energy                                    sector energy
Climate                                   sector climate
Healthcare                                sector healthcare
Medical Devices                           sector healthcare
Diagnostics                               sector healthcare
Manufacturing and Robotics                sector manufacturing
Supply Chain and Logistics                sector logistics
Agriculture                               sector agriculture
Drones                                    sector aerospace
Aviation and Space                        sector aerospace
Government                                sector public_sector
Industrials                               —
B2B                                       —
Engineering, Product and Design           —
Unspecified                               —
Electric Vehicles                         sector automotive
Mobility                                  sector automotive
Transportation                            sector automotive
Auto Commerce                             sector automotive; sector retail
Self-Driving Vehicles                     sector automotive; technology robotics_control
Autonomous Trucking                       sector automotive; sector logistics; technology robotics_control
Renewable Energy                          sector energy
Solar Power                               sector energy
Energy Storage                            sector energy
Hydrogen Energy                           sector energy
Fusion Energy                             sector energy
Small Modular Reactors                    sector energy
ClimateTech                               sector climate
Carbon Capture and Removal                sector climate
Sustainability                            sector climate
Health Tech                               sector healthcare
Digital Health                            sector healthcare
Consumer Health Services                  sector healthcare
Telemedicine                              sector healthcare
Telehealth                                sector healthcare
Oncology                                  sector healthcare
Women's Health                            sector healthcare
Mental Health                             sector healthcare
Neurotechnology                           sector healthcare
COVID-19                                  sector healthcare
Lab-on-a-chip                             sector healthcare
Nanomedicine                              sector healthcare; sector biotech
Medical Robotics                          sector healthcare; sector robotics; technology robotics_control
Biotech                                   sector biotech
Genomics                                  sector biotech
Synthetic Biology                         sector biotech
Genetic Engineering                       sector biotech
Therapeutics                              sector biotech
Drug Discovery                            sector biotech
AI-powered Drug Discovery                 sector biotech; technology medical_ai
Microfluidics                             sector biotech
Manufacturing                             sector manufacturing
3D Printing                               sector manufacturing
Robotics                                  sector robotics; technology robotics_control
Swarm Robotics                            sector robotics; technology robotics_control
Food Service Robots & Machines            sector robotics; technology robotics_control
Unmanned Vehicle                          technology robotics_control
Robotic Process Automation                sector enterprise_software
Logistics                                 sector logistics
Supply Chain                              sector logistics
Warehouse Management Tech                 sector logistics
Delivery                                  sector logistics
Digital Freight Brokerage                 sector logistics
Maritime                                  sector logistics
Autonomous Delivery                       sector logistics; technology robotics_control
Autonomous Shipping                       sector logistics; technology robotics_control
Food Tech                                 sector agriculture
Food                                      sector agriculture
Food & Beverage                           sector agriculture
Vertical Farming                          sector agriculture
Sustainable Agriculture                   sector agriculture
Aerospace                                 sector aerospace
Air Taxis                                 sector aerospace
Commercial Space Launch                   sector aerospace
GovTech                                   sector public_sector
Civic Tech                                sector public_sector
Election Tech                             sector public_sector
E-commerce                                sector retail
Retail Tech                               sector retail
Grocery                                   sector retail
Fintech                                   sector fintech
Finance                                   sector fintech
Payments                                  sector fintech
Banking as a Service                      sector fintech
Insurance                                 sector fintech
Crypto / Web3                             sector fintech
Fraud Detection                           sector fintech; technology anomaly_detection
Fraud Prevention                          sector fintech; technology anomaly_detection
Education                                 sector education
AI-Enhanced Learning                      sector education
Advertising                               sector media
Construction                              sector construction
Real Estate                               sector construction
Proptech                                  sector construction
Cybersecurity                             sector security
Identity                                  sector security
Privacy                                   sector security
SaaS                                      sector enterprise_software
Enterprise Software                       sector enterprise_software
Enterprise                                sector enterprise_software
Workflow Automation                       sector enterprise_software
HR Tech                                   sector enterprise_software
CRM                                       sector enterprise_software
LegalTech                                 sector enterprise_software
Computer Vision                           technology computer_vision
NLP                                       technology nlp
Conversational AI                         technology nlp
Generative AI                             technology generative_ai
Data Engineering                          technology data_infrastructure
Big Data                                  technology data_infrastructure
Databases                                 technology data_infrastructure
IoT                                       technology iot_sensing
Nanosensors                               technology iot_sensing
Radar                                     technology iot_sensing
Home Automation                           technology iot_sensing
Artificial Intelligence                   —
AI                                        —
Machine Learning                          —
ML                                        —
Deep Learning                             —
Hardware                                  —
Hard Tech                                 —
Industrial                                —
Automation                                —
Marketplace                               —
Analytics                                 —
API                                       —
Developer Tools                           —
Cloud Computing                           —
Infrastructure                            —
Electronics                               —
Advanced Materials                        —
Semiconductors                            —
Industrial Workplace Safety               —
Mining                                    —
Compliance                                —
Defense                                   —
Quantum Computing                         —
Telecommunications                        —
========================================  ================================================

Regions → country slug: South Korea → kr, United States of America → us, Canada → ca, Mexico → mx,
Brazil → br, Argentina → ar, Chile → cl, Panama → pa, United Kingdom → gb, Ireland → ie, Germany →
de, France → fr, Netherlands → nl, Switzerland → ch, Austria → at, Poland → pl, Norway → no,
Sweden → se, Finland → fi, Spain → es, Italy → it, Turkey → tr, Israel → il, United Arab Emirates
→ ae, Saudi Arabia → sa, Egypt → eg, Morocco → ma, Nigeria → ng, Ghana → gh, Senegal → sn, Uganda
→ ug, India → in, Pakistan → pk, Nepal → np, China → cn, Hong Kong → hk, Taiwan → tw, Japan → jp,
Singapore → sg, Indonesia → id, Malaysia → my, Philippines → ph, Thailand → th, Vietnam → vn,
Australia → au, New Zealand → nz. A slug the country taxonomy does not have is skipped (staff can
add the country; a re-import then fills it in).

CSV row (source from ``--source``, default ``csv``; external id = ``external_id``)
=================================================================================

Columns (:data:`~.readers.CSV_COLUMNS`) map onto the profile fields of the same name, except
``sectors`` and ``technologies`` (``;``-separated taxonomy slugs → sector and technology terms;
each must be a known, active slug) and ``tags`` (``;``-separated free text). ``team_size``: a
whole number ≥ 0 or blank; ``stage`` and ``country``: a known slug or blank; ``status``:
``active``, ``inactive`` or ``acquired`` (blank → ``active``); ``founded_on``: ``YYYY-MM-DD``,
not in the future and not before 1900, or blank. A column left out of the header is not
provided: it stays empty on a new profile and untouched on a re-import; a blank cell in a
column that is there empties the field.

Every draft is then checked by :func:`~.validation.check_draft` (a name, lengths within the
table's limits, team size, known slugs) before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hubcity.core.clock import utcnow
from hubcity.core.i18n import gettext as _
from hubcity.startups.importing.labels import LABEL_TERMS_FOLDED, REGION_COUNTRIES, STAGE_MAP, STATUS_MAP
from hubcity.startups.importing.readers import SourceRecord
from hubcity.startups.websites import is_web_address, normalise_website

TAG_KINDS: tuple[str, ...] = ("sector", "technology")
PROFILE_STATUSES: tuple[str, ...] = ("active", "inactive", "acquired")
MAX_TEAM_SIZE = 100_000
EARLIEST_FOUNDING = date(1900, 1, 1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE_NUMBER = re.compile(r"^-?[0-9]+$")


@dataclass
class Vocabulary:
    """The active taxonomy slugs a record may use: kind (``sector``, ``technology``, ``stage``,
    ``country``) → set of slugs."""

    slugs: dict[str, set[str]] = field(default_factory=dict)

    def known(self, kind: str, slug: str) -> bool:
        return slug in self.slugs.get(kind, set())


@dataclass
class ProfileDraft:
    """What one record says about one profile.

    line: where the record is (JSON: 1-based index; CSV: file line). external_id: the source's id
    (text; empty when the record has none). values: profile column → value, only for fields the
    source provides. terms: ``{"sector": [...], "technology": [...]}`` (None when the source says
    nothing about them). fields: profile column → the source's name for it (for messages).
    problems: reasons to reject the record (translated).
    """

    line: int
    external_id: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    terms: dict[str, list[str]] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The name to show in a report (English, else Korean)."""
        return str(self.values.get("name_en") or self.values.get("name_ko") or "")

    def field_name(self, column: str) -> str:
        return self.fields.get(column, column)


# -- YC ---------------------------------------------------------------------------------------------
YC_FIELDS: dict[str, str] = {
    "external_id": "id",
    "name_en": "name",
    "one_liner_en": "one_liner",
    "description_en": "long_description",
    "team_size": "team_size",
    "stage": "stage",
    "location": "all_locations",
    "country": "regions",
    "website": "website",
    "status": "status",
    "tags": "tags",
}


def map_yc_record(record: SourceRecord, vocabulary: Vocabulary) -> ProfileDraft:
    """A YC directory record → a :class:`ProfileDraft` (see the table in this module's docstring)."""
    draft = ProfileDraft(line=record.line, fields=dict(YC_FIELDS))
    if record.problem:
        draft.problems.append(record.problem)
        return draft
    data = record.data
    draft.external_id = _external_id(data.get("id"), "id", draft)
    values = draft.values
    values["name_en"] = _text(data, "name", draft)
    values["one_liner_en"] = _text(data, "one_liner", draft)
    values["description_en"] = normalise_newlines(_text(data, "long_description", draft))
    values["team_size"] = _team_size(data.get("team_size"), "team_size", draft)
    stage = STAGE_MAP.get(_text(data, "stage", draft).casefold())
    if stage and vocabulary.known("stage", stage):
        values["stage"] = stage
    values["location"] = _text(data, "all_locations", draft)
    country = _first_country(_text_list(data, "regions", draft), vocabulary)
    if country:
        values["country"] = country
    values["website"] = _website(_text(data, "website", draft), "website", draft)
    status = _text(data, "status", draft)
    if status:
        mapped = STATUS_MAP.get(status.casefold())
        if mapped:
            values["status"] = mapped
        else:
            draft.problems.append(
                _("status: “%(value)s” is not one of Active, Public, Inactive, Acquired.", value=status)
            )
    tags = _text_list(data, "tags", draft)
    batch = _text(data, "batch", draft)
    values["tags"] = list(dict.fromkeys([*tags, *([f"YC {batch}"] if batch else [])]))
    labels = [*tags, *_text_list(data, "industries", draft)]
    labels += [part.strip() for part in _text(data, "subindustry", draft).split("->")]
    draft.terms = terms_for_labels(labels, vocabulary)
    return draft


def terms_for_labels(labels: list[str], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Sector and technology slugs for ``labels`` through :data:`~.labels.LABEL_TERMS`, in the
    order they first appear; slugs the vocabulary does not know are skipped."""
    result: dict[str, list[str]] = {kind: [] for kind in TAG_KINDS}
    for label in labels:
        for kind, slug in LABEL_TERMS_FOLDED.get(label.strip().casefold(), ()):
            if vocabulary.known(kind, slug) and slug not in result[kind]:
                result[kind].append(slug)
    return result


def _first_country(regions: list[str], vocabulary: Vocabulary) -> str:
    for region in regions:
        slug = REGION_COUNTRIES.get(region.strip())
        if slug and vocabulary.known("country", slug):
            return slug
    return ""


# -- CSV --------------------------------------------------------------------------------------------
_CSV_TEXT_COLUMNS: tuple[str, ...] = (
    "name_en",
    "name_ko",
    "one_liner_en",
    "one_liner_ko",
    "description_en",
    "description_ko",
    "location",
)


def map_csv_row(record: SourceRecord, columns: tuple[str, ...], vocabulary: Vocabulary) -> ProfileDraft:
    """A CSV row → a :class:`ProfileDraft`; only ``columns`` (the header's) are provided."""
    draft = ProfileDraft(line=record.line)
    if record.problem:
        draft.problems.append(record.problem)
        return draft
    row = {key: (value or "").strip() for key, value in record.data.items()}
    present = set(columns)
    values = draft.values
    draft.external_id = _external_id(row.get("external_id", ""), "external_id", draft)
    for column in _CSV_TEXT_COLUMNS:
        if column in present:
            values[column] = normalise_newlines(row[column]) if column.startswith("description") else row[column]
    if "website" in present:
        values["website"] = _website(row["website"], "website", draft)
    if "team_size" in present:
        values["team_size"] = _team_size(row["team_size"], "team_size", draft)
    for column in ("stage", "country"):
        if column in present:
            values[column] = _csv_slug(row[column], column, column, vocabulary, draft)
    if "status" in present:
        status = row["status"].lower() or "active"
        if status in PROFILE_STATUSES:
            values["status"] = status
        else:
            draft.problems.append(
                _("status: “%(value)s” is not one of %(allowed)s.", value=row["status"], allowed=", ".join(PROFILE_STATUSES))
            )
    if "founded_on" in present:
        values["founded_on"] = _founded_on(row["founded_on"], draft)
    if "tags" in present:
        values["tags"] = list(dict.fromkeys(split_list(row["tags"])))
    if "sectors" in present or "technologies" in present:
        draft.terms = {}
        for column, kind in (("sectors", "sector"), ("technologies", "technology")):
            if column in present:
                slugs = [_csv_slug(item, column, kind, vocabulary, draft) for item in split_list(row[column])]
                draft.terms[kind] = list(dict.fromkeys(slug for slug in slugs if slug))
    return draft


def split_list(value: str) -> list[str]:
    """``"a; b;;c "`` → ``["a", "b", "c"]``."""
    return [item.strip() for item in (value or "").split(";") if item.strip()]


def _csv_slug(value: str, column: str, kind: str, vocabulary: Vocabulary, draft: ProfileDraft) -> str:
    slug = value.strip().lower()
    if not slug:
        return ""
    if vocabulary.known(kind, slug):
        return slug
    known = ", ".join(sorted(vocabulary.slugs.get(kind, set())))
    draft.problems.append(_("%(column)s: “%(value)s” is not a known slug (known: %(known)s).", column=column, value=value, known=known))
    return ""


def _founded_on(value: str, draft: ProfileDraft) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value) if _ISO_DATE.match(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        draft.problems.append(_("founded_on: “%(value)s” is not a date written YYYY-MM-DD.", value=value))
        return None
    if parsed > utcnow().date():
        draft.problems.append(_("founded_on: %(value)s is in the future.", value=value))
        return None
    if parsed < EARLIEST_FOUNDING:
        draft.problems.append(_("founded_on: %(value)s is before 1900.", value=value))
        return None
    return parsed


# -- shared helpers ---------------------------------------------------------------------------------
def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` → ``\\n``; surrounding whitespace trimmed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _website(value: str, name: str, draft: ProfileDraft) -> str:
    """``value`` normalised (``https://`` added when there is no scheme); a problem when it is
    not an http(s) address with a domain (``javascript:``, ``data:`` and the like never get in)."""
    website = normalise_website(value)
    if website and not is_web_address(website):
        draft.problems.append(
            _("%(field)s: “%(value)s” is not a web address (http:// or https://, such as https://example.com).",
              field=name, value=website[:80])
        )
        return ""
    return website


def _external_id(value: Any, name: str, draft: ProfileDraft) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, float)):
        text = ""
    else:
        text = str(value).strip()
    if not text:
        draft.problems.append(_("%(field)s: the record has no external id.", field=name))
    return text


def _text(data: dict[str, Any], key: str, draft: ProfileDraft) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    draft.problems.append(_("%(field)s must be text.", field=key))
    return ""


def _text_list(data: dict[str, Any], key: str, draft: ProfileDraft) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    draft.problems.append(_("%(field)s must be a list of texts.", field=key))
    return []


def _team_size(value: Any, name: str, draft: ProfileDraft) -> int | None:
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE_NUMBER.match(value.strip()):
        number = int(value.strip())
    if number is None:
        draft.problems.append(_("%(field)s: “%(value)s” is not a whole number.", field=name, value=value))
        return None
    if number < 0 or number > MAX_TEAM_SIZE:
        draft.problems.append(
            _("%(field)s: %(value)s is outside 0 to %(max)s.", field=name, value=number, max=MAX_TEAM_SIZE)
        )
        return None
    return number
