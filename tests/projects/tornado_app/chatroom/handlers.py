from __future__ import annotations

import logging
import uuid

import tornado.escape
import tornado.web
import tornado.websocket

from . import store

log = logging.getLogger("chatroom")


class MainHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        self.render("index.html", messages=await store.recent())


class HistoryHandler(tornado.web.RequestHandler):
    async def get(self) -> None:
        limit = min(int(self.get_argument("limit", "50")), store.HISTORY_SIZE)
        self.write({"messages": await store.recent(limit)})


class MessageSocket(tornado.websocket.WebSocketHandler):
    waiters: set[MessageSocket] = set()

    def open(self) -> None:
        MessageSocket.waiters.add(self)

    def on_close(self) -> None:
        MessageSocket.waiters.discard(self)

    async def on_message(self, message: str) -> None:
        parsed = tornado.escape.json_decode(message)
        chat = {"id": str(uuid.uuid4()), "body": parsed["body"][:2000]}
        await store.append(chat)
        MessageSocket.send_updates(chat)

    @classmethod
    def send_updates(cls, chat: dict) -> None:
        log.info("sending message to %d waiters", len(cls.waiters))
        for waiter in cls.waiters:
            try:
                waiter.write_message(chat)
            except tornado.websocket.WebSocketClosedError:
                log.warning("error sending message", exc_info=True)


class PostHandler(tornado.web.RequestHandler):
    async def post(self) -> None:
        chat = {"id": str(uuid.uuid4()), "body": self.get_argument("body")[:2000]}
        await store.append(chat)
        MessageSocket.send_updates(chat)
        self.set_status(201)
        self.write(chat)
