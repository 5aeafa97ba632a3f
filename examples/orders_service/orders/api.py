from fastapi import APIRouter, Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from sqlalchemy.orm import Session

from . import pricing
from .db import get_db, load_order
from .models import Order, Status

app = FastAPI(title="orders")
router = APIRouter(prefix="/orders")

# Recently viewed orders per customer, to show on the dashboard.
recently_viewed: dict[str, list[int]] = {}
requests_served = 0


class NewOrder(BaseModel):
    customer: str
    net: float
    country: str
    coupon: str | None = None


class OrderFeed:
    """Pushes order updates to connected dashboards."""

    def __init__(self) -> None:
        self.sockets: list[WebSocket] = []

    async def join(self, socket: WebSocket) -> None:
        await socket.accept()
        self.sockets.append(socket)

    def leave(self, socket: WebSocket) -> None:
        self.sockets.remove(socket)

    async def publish(self, message: dict) -> None:
        for socket in self.sockets:
            await socket.send_json(message)


feed = OrderFeed()


def count_request() -> None:
    global requests_served
    requests_served += 1


@router.post("", status_code=201)
async def create_order(payload: NewOrder, db: Session = Depends(get_db)):
    count_request()
    net = pricing.redeem(payload.coupon, payload.net) if payload.coupon else payload.net
    order = Order(customer=payload.customer, total=pricing.price_with_vat(net, payload.country))
    db.add(order)
    db.commit()
    await feed.publish({"id": order.id, "status": order.status})
    return {"id": order.id, "total": order.total}


@router.get("/{order_id}")
def get_order(order_id: int, customer: str, db: Session = Depends(get_db)):
    order = load_order(db, order_id)
    if order is None:
        raise HTTPException(status_code=404)
    recently_viewed.setdefault(customer, []).append(order_id)
    return {"id": order.id, "status": order.status, "total": order.total}


@router.get("/statuses")
def list_statuses():
    return [status.value for status in Status]


@router.get("/quote")
def quote(net: float, country: str):
    return {"gross": pricing.price_with_vat(net, country)}


@app.get("/stats")
def stats():
    return {"served": requests_served}


@app.websocket("/ws/orders")
async def order_updates(socket: WebSocket):
    await feed.join(socket)
    try:
        while True:
            await socket.receive_text()
    except WebSocketDisconnect:
        feed.leave(socket)


app.include_router(router)
