"""Settings read from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAT_", env_file=".env")

    database_url: str = "postgresql+psycopg://chat@localhost/chat"
    redis_url: str = "redis://localhost:6379/2"
    directory_url: str = "http://directory.internal"
    rate_limit_per_minute: int = 30
    admin_token: str = ""
    page_size: int = 50


@lru_cache
def get_settings() -> Settings:
    """One Settings object per process; it only reflects the environment."""
    return Settings()
