"""Wall playlists: per wall room (the province's, a city's) an ordered list of views with dwell times, and
the kiosk token that opens it (one revocable kiosk URL per playlist; revoking it stops that wall)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models import Base, utcnow
from db.types import UTCDateTime


class WallPlaylist(Base):
    __tablename__ = "wall_playlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    scope_code: Mapped[str] = mapped_column(ForeignKey("node.code"))  # 430000 (province room) or a city
    kiosk_token_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_token.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set on the seeded default playlist of a wall room (its scope): what a screen of that scope bound to no
    # playlist plays (walls.defaults). Editable like any playlist, never deleted.
    default_scope: Mapped[str | None] = mapped_column(String(6), unique=True)

    items: Mapped[list[WallPlaylistItem]] = relationship(
        order_by="WallPlaylistItem.position", cascade="all, delete-orphan", passive_deletes=True)


class WallPlaylistItem(Base):
    __tablename__ = "wall_playlist_item"
    __table_args__ = (UniqueConstraint("playlist_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("wall_playlist.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    view: Mapped[str] = mapped_column(String(32))  # walls.playlist.VIEWS key
    city_code: Mapped[str | None] = mapped_column(String(6))  # one city's version of the view (expansion none)
    dwell_seconds: Mapped[int] = mapped_column(Integer)
    expansion: Mapped[str] = mapped_column(String(16), default="none")  # walls.playlist.Expansion
