from __future__ import annotations

import os

from psycopg_pool import ConnectionPool

pool = ConnectionPool(os.environ.get("PASTEBIN_DSN", "dbname=pastebin"), min_size=1, max_size=8)
