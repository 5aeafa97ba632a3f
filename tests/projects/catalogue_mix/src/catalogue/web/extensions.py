"""Flask extensions.  Both keep their data in this process's memory."""

from __future__ import annotations

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300})

limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")
