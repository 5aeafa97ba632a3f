"""SQLAlchemy models and the request.dbsession wiring (pyramid_tm + zope.sqlalchemy)."""

from __future__ import annotations

import datetime as dt

import zope.sqlalchemy
from sqlalchemy import DateTime, String, Text, engine_from_config
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Page(Base):
    __tablename__ = "pages"

    title: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def includeme(config):
    engine = engine_from_config(config.get_settings(), "sqlalchemy.")
    factory = sessionmaker(bind=engine)

    def dbsession(request):
        session = factory()
        zope.sqlalchemy.register(session, transaction_manager=request.tm)
        return session

    config.add_request_method(dbsession, reify=True)
