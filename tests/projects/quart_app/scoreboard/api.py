from __future__ import annotations

from quart import Blueprint, abort, jsonify, request
from sqlalchemy import select

from . import broker
from .db import Session
from .models import Game

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/games")
async def list_games():
    async with Session() as session:
        games = (await session.scalars(select(Game).order_by(Game.id))).all()
    return jsonify([g.as_dict() for g in games])


@api.get("/games/<int:game_id>")
async def get_game(game_id: int):
    async with Session() as session:
        game = await session.get(Game, game_id)
    if game is None:
        abort(404)
    return jsonify(game.as_dict())


@api.post("/games/<int:game_id>/score")
async def post_score(game_id: int):
    data = await request.get_json()
    async with Session() as session, session.begin():
        game = await session.get(Game, game_id)
        if game is None:
            abort(404)
        game.home_score = int(data["home"])
        game.away_score = int(data["away"])
    delivered = broker.publish(game.as_dict())
    return jsonify(delivered=delivered)
