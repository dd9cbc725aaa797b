"""Annotated parameter types shared by every domain's controllers.

``ObjectId`` is the type of every ``{…_id:int}`` path parameter: a row id is a positive integer
that fits the database's ``integer`` column (PostgreSQL's ``serial`` is 32-bit). Anything else,
``0``, ``-3`` or ``99999999999999999999``, cannot name a row; the error handler answers such a
path with 404 (as for an id that does not exist) instead of letting the number reach the
database, where it would overflow (a 500).
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

MAX_OBJECT_ID = 2**31 - 1

ObjectId = Annotated[int, Parameter(ge=1, le=MAX_OBJECT_ID)]
