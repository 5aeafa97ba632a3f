"""Background jobs.

The scheduler starts when this module is imported, so every gunicorn worker
runs its own copy of every job.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from ..db import SessionLocal

log = logging.getLogger(__name__)

scheduler = BackgroundScheduler(timezone="UTC")


def refresh_search_index() -> None:
    with SessionLocal() as db:
        db.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY product_search"))
        db.commit()
    log.info("search index refreshed")


def send_digest(recipient: str) -> None:
    log.info("digest sent to %s", recipient)


scheduler.add_job(refresh_search_index, "interval", minutes=30, id="reindex")
scheduler.start()
