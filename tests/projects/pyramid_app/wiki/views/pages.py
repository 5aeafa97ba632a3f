from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config, view_defaults
from sqlalchemy import select

from ..models import Page
from ..rendering import forget, render_page

RECENT_LIMIT = 20


@view_config(route_name="home", renderer="json")
def home(request):
    titles = request.dbsession.scalars(select(Page.title).order_by(Page.title)).all()
    return {"pages": titles}


@view_config(route_name="recent", renderer="json")
def recent_changes(request):
    rows = request.dbsession.execute(
        select(Page.title, Page.edited_at).order_by(Page.edited_at.desc()).limit(RECENT_LIMIT)
    ).all()
    return [{"title": t, "edited_at": e.isoformat()} for t, e in rows]


@view_defaults(route_name="page", renderer="json")
class PageViews:
    def __init__(self, request):
        self.request = request
        self.title = request.matchdict["title"]

    def _page(self) -> Page:
        page = self.request.dbsession.get(Page, self.title)
        if page is None:
            raise HTTPNotFound()
        return page

    @view_config(request_method="GET")
    def show(self):
        page = self._page()
        return {"title": page.title, "html": render_page(page.title, page.source)}

    @view_config(route_name="page_edit", request_method="POST")
    def edit(self):
        page = self._page()
        page.source = self.request.json_body["source"]
        page.edited_at = dt.datetime.now(dt.timezone.utc)
        forget(page.title)
        return {"title": page.title, "saved": True}
