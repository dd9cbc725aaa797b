"""OpenAPI documentation of JSON bodies that the handlers validate themselves.

API handlers take ``data: dict[str, Any]`` and validate it with
:func:`hubcity.core.forms.validate` so that messages are the pages' messages (422, naming the
field and the rule). Litestar would otherwise document the body as a bare object; an operation
class from :func:`json_body` replaces it with the pydantic model's JSON schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, RequestBody
from litestar.openapi.spec.media_type import OpenAPIMediaType
from pydantic import BaseModel

from hubcity.accounts.schemas import ErrorOut


def json_body(model: type[BaseModel]) -> type[Operation]:
    """An :class:`Operation` class documenting the request body as ``model`` (flat models only)."""
    schema: dict[str, Any] = model.model_json_schema(mode="validation")
    schema.pop("$defs", None)

    @dataclass
    class _Documented(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description=model.__doc__ or None,
                content={"application/json": OpenAPIMediaType(schema=schema)},  # type: ignore[arg-type]
            )

    _Documented.__name__ = f"{model.__name__}Operation"
    return _Documented


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """Response docs for the API's error shape under ``statuses``."""
    descriptions = {
        401: "Not logged in, or wrong email or password.",
        403: "Logged in, but not allowed (or the CSRF header is missing).",
        404: "Not found, or not visible to you.",
        409: "Not possible in the current state.",
        422: "Invalid input: one message per field in `fields`.",
        429: "Too many attempts: from your address, or failed logins for the account, or invitations.",
    }
    return {
        status: ResponseSpec(
            data_container=ErrorOut, description=descriptions.get(status, "Error"), generate_examples=False
        )
        for status in statuses
    }
