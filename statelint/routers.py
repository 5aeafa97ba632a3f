"""Routes a router makes from a view set's actions (Django REST framework routers).

``router.register(r"users", UserViewSet, basename="user")`` registers no URL of its
own: the router makes one per kind of action the view set has.  ``list`` and
``create`` answer on the prefix, ``retrieve``, ``update``, ``partial_update`` and
``destroy`` on the prefix followed by the lookup (``users/(?P<pk>[^/.]+)/``), and each
``@action`` on ``url_path`` below the one or the other, as its ``detail`` says.  The
route patterns and names come from ``router_routes`` in ``rules/frameworks.toml``;
this module only fills them in, the way the router does when Django asks for
``router.urls``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Router:
    """How one router object was built."""

    #: ``"/"``, or ``""`` for ``DefaultRouter(trailing_slash=False)``
    trailing_slash: str = "/"
    #: regular-expression routes (``re_path``); False for ``use_regex_path=False``
    regex: bool = True


@dataclass(frozen=True)
class ExtraAction:
    """A view set method declared as an extra route (``@action(detail=True, ...)``)."""

    name: str
    detail: bool
    methods: tuple[str, ...]
    url_path: str
    url_name: str
    #: other methods answering on the same route (``@pin.mapping.delete def unpin``)
    mapped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Lookup:
    """The view set's lookup attributes, as far as they are written as literals."""

    field: str = "pk"
    url_kwarg: str = ""
    value_regex: str = ""
    value_converter: str = ""

    def pattern(self, router: Router) -> str:
        """The URL part naming one object: ``(?P<pk>[^/.]+)`` or ``<str:pk>``."""
        name = self.url_kwarg or self.field
        if router.regex:
            return f"(?P<{name}>{self.value_regex or '[^/.]+'})"
        return f"<{self.value_converter or self.value_regex or 'str'}:{name}>"


@dataclass(frozen=True)
class RouterRoute:
    """One route of a view set, and the method of the view set serving it."""

    url: str
    name: str
    action: str
    methods: tuple[str, ...]


def viewset_routes(table: list[Any], router: Router, prefix: str, basename: str,
                   lookup: Lookup, actions: set[str],
                   extras: list[ExtraAction]) -> list[RouterRoute]:
    """The routes ``router.register(prefix, viewset, basename)`` makes, in the router's order.

    ``table`` is ``router_routes`` of the framework; ``actions`` the names of the
    view set's methods (its own and those its bases provide); ``extras`` its
    ``@action`` methods.  A route no action of the view set serves is left out, as
    the router leaves it out.
    """
    found: list[RouterRoute] = []
    for entry in table:
        if not isinstance(entry, dict):
            continue
        template = str(entry.get("url", ""))
        name = str(entry.get("name", ""))
        mapping = entry.get("mapping")
        if isinstance(mapping, dict):
            url = _fill(template, router, prefix, lookup, "")
            endpoint = name.replace("{basename}", basename) if basename else ""
            for method, action in mapping.items():
                if action in actions:
                    found.append(RouterRoute(url, endpoint, str(action), (method.upper(),)))
            continue
        detail = bool(entry.get("detail", False))
        for extra in extras:
            if extra.detail != detail:
                continue
            url = _fill(template, router, prefix, lookup, extra.url_path)
            endpoint = (name.replace("{basename}", basename).replace("{url_name}", extra.url_name)
                        if basename else "")
            found.append(RouterRoute(url, endpoint, extra.name, extra.methods))
            for method, action in extra.mapped:
                found.append(RouterRoute(url, endpoint, action, (method,)))
    return found


def _fill(template: str, router: Router, prefix: str, lookup: Lookup, url_path: str) -> str:
    if not router.regex:
        template = template.removeprefix("^").removesuffix("$")
    url = (template.replace("{prefix}", prefix)
           .replace("{lookup}", lookup.pattern(router))
           .replace("{url_path}", url_path)
           .replace("{trailing_slash}", router.trailing_slash))
    if not prefix:
        # an unprefixed router is included under a prefix of its own: no leading slash
        if router.regex and url.startswith("^/"):
            url = "^" + url[2:]
        elif not router.regex:
            url = url.removeprefix("/")
    return url
