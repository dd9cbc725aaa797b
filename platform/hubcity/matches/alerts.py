"""Match alerts: a startup member asks to hear of new partner needs that fit the startup, a
corporation member of new startups that fit one of its needs.

After the index job of a need or a profile has run, :meth:`AlertDispatcher.need_indexed` /
:meth:`AlertDispatcher.startup_indexed` look whether the new document is among the
:data:`TOP_N` best matches of each alert's side and, for a pair not announced before, email the
alert's owner in their language. The pair is recorded in ``match_alert_delivery`` in the same
transaction as the email, so re-indexing never announces it twice.
"""

from __future__ import annotations

from typing import Any

from matching.backends.base import Eq

from hubcity.core.clock import utcnow
from hubcity.core.errors import NotFoundError, NotPermittedError
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.viewer import Viewer, load_viewer
from hubcity.corporates.repositories import NeedRepository, write_transaction
from hubcity.db.tables import MatchAlert, MatchAlertDelivery
from hubcity.matches.documents import is_matchable, need_text, startup_text
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.repositories import AlertRepository, IndexSourceRepository, PeopleRepository

#: A new need or startup is announced when it is among this many best matches ...
TOP_N = 10
#: ... and at least this similar in meaning (the explanation's fused similarity, 0..1): in a
#: small market everything is "among the best ten".
MIN_SIMILARITY = 0.35
KINDS = ("needs", "startups")


class AlertService:
    """Turning alerts on and off (the pages)."""

    def __init__(self) -> None:
        self.alerts = AlertRepository()
        self.source = IndexSourceRepository()

    async def _organisation_for(self, viewer: Viewer, kind: str, need_id: int | None) -> int:
        if kind == "needs":
            for membership in viewer.memberships:
                if membership.kind == "startup" and await self.source.profile_ids_of_organisation(membership.organisation_id):
                    return membership.organisation_id
            raise NotPermittedError(_("This page is for members of a startup with a profile."))
        rows = await self.source.needs([need_id]) if need_id else []
        if not rows or viewer.membership_in(rows[0]["organisation"]) is None:
            raise NotFoundError(_("There is no partner need at this address, or you may not see its matches."))
        return int(rows[0]["organisation"])

    async def is_on(self, viewer: Viewer, kind: str, need_id: int | None = None) -> bool:
        return await self.alerts.find(viewer.id, kind, need_id) is not None

    async def set(self, viewer: Viewer, kind: str, *, on: bool, need_id: int | None = None) -> bool:
        """Turn the viewer's alert of ``kind`` (``needs``: for their startup; ``startups``: for
        need ``need_id`` of their corporation) on or off; returns whether it is on. ValueError
        for another kind; NotFoundError / NotPermittedError for someone it is not for."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        organisation_id = await self._organisation_for(viewer, kind, need_id if kind == "startups" else None)
        async with write_transaction():
            existing = await self.alerts.find(viewer.id, kind, need_id if kind == "startups" else None)
            if on and existing is None:
                await self.alerts.add(viewer.id, organisation_id, kind, need_id if kind == "startups" else None, utcnow())
            elif not on and existing is not None:
                await self.alerts.remove(existing["id"])
        return on


class AlertDispatcher:
    """Runs after index jobs (see ``indexing.IndexSync``) and sends the alerts that are due."""

    def __init__(self, engine: MatchingEngine, notifier: Notifier, public_url: str) -> None:
        self.engine = engine
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.alerts = AlertRepository()
        self.source = IndexSourceRepository()
        self.people = PeopleRepository()

    async def need_indexed(self, need_id: int) -> int:
        """Alerts of kind ``needs`` for which the (open) need is a top match; returns emails sent."""
        from hubcity.matches.services import profile_query_text, visible_needs_filter

        rows = await self.source.needs([need_id])
        if not rows or rows[0]["status"] != "open":
            return 0
        sent = 0
        labels = await self.source.taxonomy_labels()
        for alert in await self.alerts.of_kind("needs"):
            profiles = await self.source.profiles(await self.source.profile_ids_of_organisation(alert["organisation"]))
            viewer = await load_viewer(alert["user"])
            if not profiles or viewer is None:
                continue
            profile = profiles[0]
            scope = await NeedRepository().scope_for(viewer.id, is_staff=viewer.is_staff)
            page = await self.engine.call(  # SearchBackendError: the job retries; nothing was recorded
                "match", "needs", profile_query_text(profile), tags=startup_text(profile, labels).tags,
                filter=visible_needs_filter(scope, int(utcnow().timestamp())), limit=TOP_N,
            )
            if str(need_id) in _close_enough(page):
                sent += await self._deliver(alert, need_id, profile["id"], "alert_new_need", {"need": rows[0], "profile": profile,
                                            "link": f"{self.public_url}/needs/{need_id}"})
        return sent

    async def startup_indexed(self, profile_id: int) -> int:
        """Alerts of kind ``startups`` for whose need the (matchable) startup is a top match."""
        from hubcity.matches.services import need_query_text

        rows = await self.source.profiles([profile_id])
        if not rows or not is_matchable(rows[0]):
            return 0
        sent = 0
        labels = await self.source.taxonomy_labels()
        for alert in await self.alerts.of_kind("startups"):
            needs = await self.source.needs([alert["need"]])
            if not needs or needs[0]["status"] != "open":
                continue
            page = await self.engine.call(
                "match", "startups", need_query_text(needs[0]), tags=need_text(needs[0], labels).tags,
                filter=Eq("matchable", True), limit=TOP_N,
            )
            if str(profile_id) in _close_enough(page):
                sent += await self._deliver(alert, needs[0]["id"], profile_id, "alert_new_startup", {"need": needs[0], "profile": rows[0],
                                            "link": f"{self.public_url}/needs/{needs[0]['id']}/matches"})
        return sent

    async def _deliver(self, alert: dict[str, Any], need_id: int, profile_id: int, template: str, context: dict[str, Any]) -> int:
        user = await self.people.user(alert["user"])
        if user is None:
            return 0
        async with write_transaction():
            done = await MatchAlertDelivery.exists().where(
                (MatchAlertDelivery.alert == alert["id"]) & (MatchAlertDelivery.need == need_id) & (MatchAlertDelivery.profile == profile_id)
            ).run()
            if done or not await MatchAlert.exists().where(MatchAlert.id == alert["id"]).run():
                return 0
            await MatchAlertDelivery(alert=alert["id"], need=need_id, profile=profile_id, sent_at=utcnow()).save().run()
            await self.notifier.notify(
                to_email=user["email"], locale=user["locale"], recipient_id=user["id"], template=template, context=context
            )
        return 1


def _close_enough(page: Any) -> set[str]:
    """Ids of the page's matches at least :data:`MIN_SIMILARITY` similar in meaning."""
    return {m.hit.id for m in page.matches if (m.explanation.similarity or 0.0) >= MIN_SIMILARITY}
