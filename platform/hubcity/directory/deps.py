"""Providers of the directory's service, built per request on the corporates domain's service."""

from __future__ import annotations

from litestar.di import NamedDependency

from hubcity.corporates.services import PartnerNeedService
from hubcity.directory.services import DirectoryService


def provide_directory_service(need_service: NamedDependency[PartnerNeedService]) -> DirectoryService:
    return DirectoryService(need_service)
