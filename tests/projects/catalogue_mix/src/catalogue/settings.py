from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL = os.environ.get("CATALOGUE_DB", "postgresql+psycopg:///catalogue")
DATA_DIR = Path(os.environ.get("CATALOGUE_DATA", "/var/lib/catalogue"))
UPLOAD_DIR = DATA_DIR / "uploads"
EXPORT_DIR = DATA_DIR / "exports"
FEEDBACK_LOG = DATA_DIR / "feedback.log"
AUDIT_DB = DATA_DIR / "audit.sqlite3"
ASSET_BUCKET = os.environ.get("CATALOGUE_BUCKET", "catalogue-assets")
ALLOWED_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
