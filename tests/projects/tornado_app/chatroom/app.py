"""``python -m chatroom.app --port=8888``"""

from __future__ import annotations

import asyncio
import os

import tornado.web
from tornado.web import url

from .handlers import HistoryHandler, MainHandler, MessageSocket, PostHandler

SETTINGS = {
    "cookie_secret": os.environ.get("CHAT_COOKIE_SECRET", "change-me"),
    "template_path": os.path.join(os.path.dirname(__file__), "templates"),
    "xsrf_cookies": True,
}


def make_app() -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/", MainHandler),
            url(r"/history", HistoryHandler, name="history"),
            (r"/messages", PostHandler),
            (r"/socket", MessageSocket),
        ],
        **SETTINGS,
    )


async def main() -> None:
    app = make_app()
    app.listen(int(os.environ.get("PORT", "8888")))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
