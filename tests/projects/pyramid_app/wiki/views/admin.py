"""Operator views, registered imperatively with config.add_view in wiki.main."""

from ..rendering import forget


def purge_rendered(request):
    return {"purged": forget()}
