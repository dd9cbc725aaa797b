"""Providers of the directory's service, built per request on the corporates domain's service."""

from __future__ import annotations

from litestar.di import NamedDependency

from hubcity.corporates.services import NeedSearchFunction, PartnerNeedService
from hubcity.directory.services import DirectoryService
from hubcity.matches.engine import MatchingEngine


def provide_directory_service(
    need_service: NamedDependency[PartnerNeedService], matching_engine: NamedDependency[MatchingEngine]
) -> DirectoryService:
    """The directory over the corporates domain's need service and the app's search engine."""
    return DirectoryService(need_service, matching_engine)


def provide_need_search(directory_service: NamedDependency[DirectoryService]) -> NeedSearchFunction:
    """The needs search the corporates domain's API answers with: the directory's, through the
    search index (a lower domain gets the capability from above, DESIGN.md §2)."""
    return directory_service.needs
