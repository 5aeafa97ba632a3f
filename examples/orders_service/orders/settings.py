import os
from functools import lru_cache

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql+psycopg://orders@localhost/orders"
    redis_url: str = "redis://localhost:6379/0"
    currency: str = "EUR"


@lru_cache
def get_settings() -> Settings:
    return Settings(_env_file=os.environ.get("ORDERS_ENV_FILE", ".env"))
