from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Game(Base):
    __tablename__ = "games"

    id: Mapped[int] = mapped_column(primary_key=True)
    home: Mapped[str] = mapped_column(String(60))
    away: Mapped[str] = mapped_column(String(60))
    home_score: Mapped[int] = mapped_column(default=0)
    away_score: Mapped[int] = mapped_column(default=0)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "home": self.home,
            "away": self.away,
            "score": [self.home_score, self.away_score],
        }
