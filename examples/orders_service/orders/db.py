from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from .models import Order
from .settings import get_settings

engine = create_engine(get_settings().database_url, pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine)


def get_db():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


def load_order(session: Session, order_id: int) -> Order | None:
    return session.scalar(select(Order).where(Order.id == order_id))
