"""Staff editing the taxonomies: labels in Korean and English, deactivating and reactivating a
term (it stays on the profiles that carry it but is no longer offered), and adding a term.

Slugs never change once created. Audit actions: ``taxonomy.term_added``,
``taxonomy.term_updated``, ``taxonomy.term_deactivated``, ``taxonomy.term_activated``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcity.core import audit
from hubcity.core.errors import FormInvalid, NotFoundError
from hubcity.core.forms import validate
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import Viewer
from hubcity.db.tables import TAXONOMY_KINDS
from hubcity.startups.repositories import TaxonomyRepository, write_transaction
from hubcity.startups.schemas import TermInput, TermLabelsInput
from hubcity.startups.services.common import typed_values

KIND_LABELS: dict[str, str] = {
    "sector": N_("Sectors"),
    "technology": N_("AI technologies"),
    "stage": N_("Stages"),
    "engagement_type": N_("Engagement types"),
    "country": N_("Countries"),
}


class TaxonomyAdminService:
    """The taxonomies as staff manage them."""

    def __init__(self) -> None:
        self.terms = TaxonomyRepository()

    async def overview(self) -> dict[str, list[dict[str, Any]]]:
        """kind → every term of it (inactive ones too), in display order, for each kind."""
        return {kind: await self.terms.of_kind(kind, include_inactive=True) for kind in TAXONOMY_KINDS}

    async def get(self, term_id: int) -> dict[str, Any]:
        term = await self.terms.get(term_id)
        if term is None:
            raise NotFoundError(_("There is no such taxonomy term."))
        return term

    async def update_labels(self, term_id: int, data: Mapping[str, Any], viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Change a term's Korean and English labels (both required, at most 200 characters).
        Returns the updated term."""
        term = await self.get(term_id)
        parsed = validate(TermLabelsInput, data)
        after = {"label_ko": parsed.label_ko, "label_en": parsed.label_en}
        before = {key: term[key] for key in after}
        if before != after:
            async with write_transaction():
                await self.terms.update(term_id, after)
                await audit.record(
                    "taxonomy.term_updated", actor_id=viewer.id, object_type="taxonomy_term", object_id=term["key"],
                    before=before, after=after, ip=ip,
                )
        return await self.get(term_id)

    async def set_active(self, term_id: int, active: bool, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Offer the term again (``active``) or stop offering it. Returns the updated term."""
        term = await self.get(term_id)
        if term["is_active"] != active:
            async with write_transaction():
                await self.terms.update(term_id, {"is_active": active})
                await audit.record(
                    "taxonomy.term_activated" if active else "taxonomy.term_deactivated",
                    actor_id=viewer.id, object_type="taxonomy_term", object_id=term["key"],
                    before={"is_active": term["is_active"]}, after={"is_active": active}, ip=ip,
                )
        return await self.get(term_id)

    async def add(self, kind: str, data: Mapping[str, Any], viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Add a term to taxonomy ``kind`` (NotFoundError for an unknown kind). The slug must
        follow the slug rule and be new in its kind (:class:`FormInvalid` on ``slug``)."""
        if kind not in TAXONOMY_KINDS:
            raise NotFoundError(_("There is no such taxonomy."))
        parsed = validate(TermInput, data)
        async with write_transaction():
            if await self.terms.find(kind, parsed.slug):
                raise FormInvalid(
                    {"slug": _("Slug: %(slug)s is already used in this taxonomy; choose another.", slug=parsed.slug)},
                    typed_values(data),
                )
            term_id = await self.terms.insert(
                kind=kind, slug=parsed.slug, label_ko=parsed.label_ko, label_en=parsed.label_en,
                position=await self.terms.next_position(kind),
            )
            await audit.record(
                "taxonomy.term_added", actor_id=viewer.id, object_type="taxonomy_term", object_id=f"{kind}:{parsed.slug}",
                after={"label_ko": parsed.label_ko, "label_en": parsed.label_en}, ip=ip,
            )
        return await self.get(term_id)
