"""Storefront and merchandiser endpoints."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import tempfile
import threading
import time
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import boto3
from flask import Blueprint, abort, current_app, jsonify, request, send_file
from sqlalchemy import select
from werkzeug.utils import secure_filename

from ..db import SessionLocal
from ..models import Product
from ..pricing import PriceBook
from ..settings import (
    ALLOWED_IMAGE_TYPES,
    ASSET_BUCKET,
    AUDIT_DB,
    EXPORT_DIR,
    FEEDBACK_LOG,
    UPLOAD_DIR,
)
from .extensions import cache, limiter
from .jobs import refresh_search_index, scheduler, send_digest

log = logging.getLogger(__name__)

bp = Blueprint("catalogue", __name__)

s3 = boto3.client("s3")


@bp.get("/health")
def health():
    return jsonify(status="ok", maintenance=False)


@bp.get("/products")
@cache.cached(timeout=60, query_string=True)
def list_products():
    with SessionLocal() as db:
        rows = db.scalars(select(Product).order_by(Product.title).limit(200)).all()
    return jsonify([p.as_dict() for p in rows])


@bp.get("/products/<int:product_id>")
def get_product(product_id: int):
    with SessionLocal() as db:
        product = db.get(Product, product_id)
    if product is None:
        abort(404)
    return jsonify(product.as_dict())


@bp.post("/search")
@limiter.limit("10/minute")
def search():
    term = (request.get_json() or {}).get("q", "").strip()
    with SessionLocal() as db:
        rows = db.scalars(select(Product).where(Product.title.ilike(f"%{term}%")).limit(50)).all()
    return jsonify([p.as_dict() for p in rows])


@bp.post("/feedback")
def leave_feedback():
    entry = {"at": time.time(), "text": request.form.get("text", "")[:2000]}
    with open(FEEDBACK_LOG, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
    return "", 204


@bp.post("/products/<int:product_id>/image")
def upload_image(product_id: int):
    upload = request.files.get("image")
    if upload is None or upload.mimetype not in ALLOWED_IMAGE_TYPES:
        abort(400, "png, jpeg or webp image required")
    filename = secure_filename(f"{product_id}-{upload.filename}")
    upload.save(UPLOAD_DIR / filename)
    return jsonify(path=f"/uploads/{filename}"), 201


@bp.post("/products/<int:product_id>/image/s3")
def upload_image_s3(product_id: int):
    upload = request.files.get("image")
    if upload is None or upload.mimetype not in ALLOWED_IMAGE_TYPES:
        abort(400, "png, jpeg or webp image required")
    key = f"products/{product_id}/{secure_filename(upload.filename or 'image')}"
    s3.upload_fileobj(upload.stream, ASSET_BUCKET, key, ExtraArgs={"ContentType": upload.mimetype})
    with SessionLocal() as db, db.begin():
        product = db.get(Product, product_id)
        if product is None:
            abort(404)
        product.image_key = key
    return jsonify(key=key), 201


def _write_export(rows: list[Product]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sku", "title", "price"])
    for product in rows:
        writer.writerow([product.sku, product.title, product.price])
    target = EXPORT_DIR / f"products-{int(time.time())}.csv"
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


@bp.post("/exports")
def create_export():
    with SessionLocal() as db:
        rows = db.scalars(select(Product)).all()
    target = _write_export(rows)
    return jsonify(file=target.name), 201


@bp.get("/exports/bundle")
def download_bundle():
    # Scratch space that lives and dies within this request.
    with SessionLocal() as db:
        rows = db.scalars(select(Product)).all()
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "products.json"
        listing.write_text(json.dumps([p.as_dict() for p in rows]), encoding="utf-8")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.write(listing, arcname="products.json")
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", download_name="catalogue.zip")


@bp.get("/audit")
def audit_log():
    conn = sqlite3.connect(AUDIT_DB)
    try:
        rows = conn.execute("SELECT at, actor, action FROM audit ORDER BY at DESC LIMIT 100").fetchall()
    finally:
        conn.close()
    return jsonify([{"at": at, "actor": actor, "action": action} for at, actor, action in rows])


@bp.put("/prices/<sku>")
def set_price(sku: str):
    try:
        price = Decimal(str((request.get_json() or {})["price"]))
    except (KeyError, InvalidOperation):
        abort(400, "price required")
    PriceBook().override(sku, price)
    return jsonify(sku=sku, price=str(price))


@bp.get("/prices/<sku>")
def get_price(sku: str):
    price = PriceBook().price_for(sku)
    if price is None:
        abort(404)
    return jsonify(sku=sku, price=str(price), currency=PriceBook.currency)


@bp.delete("/prices")
def reset_prices():
    PriceBook.clear_overrides()
    return "", 204


@bp.post("/admin/maintenance")
def toggle_maintenance():
    enabled = bool((request.get_json() or {}).get("enabled"))
    current_app.config["MAINTENANCE"] = enabled
    return jsonify(maintenance=enabled)


@bp.get("/status")
def status():
    return jsonify(maintenance=current_app.config["MAINTENANCE"])


@bp.post("/admin/reindex")
def trigger_reindex():
    worker = threading.Thread(target=refresh_search_index, name="reindex", daemon=True)
    worker.start()
    return jsonify(started=True), 202


@bp.post("/admin/digest")
def schedule_digest():
    recipient = (request.get_json() or {})["email"]
    scheduler.add_job(send_digest, "date", args=[recipient], id=f"digest-{recipient}")
    return jsonify(scheduled=True), 202


@bp.post("/admin/cache/clear")
def clear_cache():
    cache.clear()
    return "", 204
