"""Route families: the routes every area writes the same way, declared once on the :class:`~licita.core.http.Api`.

Most routes of an area are one of a few calls on one resource: read it (or a read-only view of it), change it
with a body, delete it, archive and restore it, run an action on it. Written by hand, each is the same thin
handler (parse, authorize, pass the caller, the path id, the body and the audit actor to the area service).
A :class:`Resource` binds a path with its read and write permissions; each method registers one such route on
the route table, with the operation name and summary a handwritten handler's name and docstring would give, so
the route table, the validation and the OpenAPI document are the same as for a handwritten handler.

Service functions are given as loaders (``lambda: service.get_event``): a lazily imported service module stays
unloaded until the first request that needs it (cold start), and mypy still checks the function against the call
its route makes (``(Principal, id)``, ``(Principal, id, body, Actor)``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from licita.core.actor import Actor
from licita.core.http import Api, RequestContext
from licita.core.security.principal import Principal

type Load[F] = Callable[[], F]  # returns the service function (imports its module on the first call)

_PARAM = re.compile(r"\{(\w+)\}")


def add_route(api: Api, method: str, path: str, name: str, summary: str, handler: Callable[..., Any],
              **route: Any) -> None:
    """What ``@api.<method>(path, ...)`` on ``def <name>(ctx)`` with docstring ``summary`` would register."""
    handler.__name__ = handler.__qualname__ = name  # the operation id and the Chalice view name
    api.route(path, method, summary=summary, **route)(handler)


class Resource:
    """One addressable thing (``/cards/{card_id}``): its routes call ``service(user, <id>, ...)``.

    The id is the path's last parameter; reads require ``read``, changes ``write`` (a route may name another
    permission). ``sub`` extends the path for a view or an action (``/download``, ``/close``).
    """

    def __init__(self, api: Api, path: str, *, read: str, write: str) -> None:
        params = _PARAM.findall(path)
        if not params:
            raise ValueError(f"a resource path names its id: {path!r}")
        self.api, self.path, self.id = api, path, params[-1]
        self.read_permission, self.write_permission = read, write

    def _add(self, method: str, sub: str, name: str, summary: str, handler: Callable[..., Any], **route: Any) -> None:
        add_route(self.api, method, self.path + sub, name, summary, handler, **route)

    def read[R: BaseModel](self, name: str, response: type[R], load: Load[Callable[[Principal, str], R]], summary: str,
                           *, sub: str = "", permission: str | None = None, errors: Sequence[int] = (404,)) -> None:
        """``GET path[sub]`` → ``service(user, id)``: the resource, or a read-only view of it."""

        def handler(ctx: RequestContext[None, None]) -> R:
            return load()(ctx.user, ctx.path_params[self.id])

        self._add("GET", sub, name, summary, handler, response=response,
                  permission=permission or self.read_permission, errors=errors)

    def write[B: BaseModel, R: BaseModel](
            self, name: str, body: type[B], response: type[R], load: Load[Callable[[Principal, str, B, Actor], R]],
            summary: str, *, sub: str = "", method: str = "PATCH", status: int = 200, permission: str | None = None,
            errors: Sequence[int] = (404, 409, 422)) -> None:
        """``PATCH path[sub]`` (or PUT, or POST to create under it) → ``service(user, id, body, actor)``."""

        def handler(ctx: RequestContext[B, None]) -> R:
            return load()(ctx.user, ctx.path_params[self.id], ctx.body, ctx.actor)

        self._add(method, sub, name, summary, handler, body=body, response=response, status=status,
                  permission=permission or self.write_permission, errors=errors)

    def act[R: BaseModel](self, name: str, sub: str, response: type[R],
                          load: Load[Callable[[Principal, str, Actor], R]], summary: str, *, status: int = 200,
                          errors: Sequence[int] = (404,)) -> None:
        """``POST path/sub`` without a body → ``service(user, id, actor)``."""

        def handler(ctx: RequestContext[None, None]) -> R:
            return load()(ctx.user, ctx.path_params[self.id], ctx.actor)

        self._add("POST", sub, name, summary, handler, response=response, status=status,
                  permission=self.write_permission, errors=errors)

    def delete(self, name: str, load: Load[Callable[[Principal, str, Actor], None]], summary: str, *,
               permission: str | None = None, errors: Sequence[int] = (404,)) -> None:
        """``DELETE path`` → ``service(user, id, actor)``, answered with 204."""

        def handler(ctx: RequestContext[None, None]) -> None:
            load()(ctx.user, ctx.path_params[self.id], ctx.actor)

        self._add("DELETE", "", name, summary, handler, status=204, permission=permission or self.write_permission,
                  errors=errors)

    def archive_pair[R: BaseModel](self, names: tuple[str, str], response: type[R],
                                   load: Load[Callable[[Principal, str, bool, Actor], R]],
                                   summaries: tuple[str, str]) -> None:
        """``POST path/archive`` and ``POST path/restore`` → ``service(user, id, archived, actor)``."""
        for sub, archived, name, summary in zip(("/archive", "/restore"), (True, False), names, summaries,
                                                strict=True):
            self._add("POST", sub, name, summary, self._archiver(load, archived), response=response,
                      permission=self.write_permission, errors=(404,))

    def _archiver[R: BaseModel](self, load: Load[Callable[[Principal, str, bool, Actor], R]],
                                archived: bool) -> Callable[[RequestContext[None, None]], R]:
        def handler(ctx: RequestContext[None, None]) -> R:
            return load()(ctx.user, ctx.path_params[self.id], archived, ctx.actor)

        return handler


class Collection:
    """A list of things (``/quotes``): create one with a body, list them with a query."""

    def __init__(self, api: Api, path: str, *, read: str, write: str) -> None:
        self.api, self.path = api, path
        self.read_permission, self.write_permission = read, write

    def create[B: BaseModel, R: BaseModel](self, name: str, body: type[B], response: type[R],
                                           load: Load[Callable[[Principal, B, Actor], R]], summary: str, *,
                                           sub: str = "", status: int = 201, permission: str | None = None,
                                           errors: Sequence[int] = (422,)) -> None:
        """``POST path[sub]`` → ``service(user, body, actor)``, answered with 201 (or ``status``)."""

        def handler(ctx: RequestContext[B, None]) -> R:
            return load()(ctx.user, ctx.body, ctx.actor)

        add_route(self.api, "POST", self.path + sub, name, summary, handler, body=body, response=response,
                  status=status, permission=permission or self.write_permission, errors=errors)

    def list[Q: BaseModel, R: BaseModel](self, name: str, query: type[Q], response: type[R],
                                         load: Load[Callable[[Principal, Q], R]], summary: str, *, sub: str = "",
                                         permission: str | None = None, errors: Sequence[int] = (422,)) -> None:
        """``GET path[sub]?query`` → ``service(user, query)``: search, filter, sort and paginate."""

        def handler(ctx: RequestContext[None, Q]) -> R:
            return load()(ctx.user, ctx.query)

        add_route(self.api, "GET", self.path + sub, name, summary, handler, query=query, response=response,
                  permission=permission or self.read_permission, errors=errors)
