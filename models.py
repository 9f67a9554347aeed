"""The data model. Timestamps are naive UTC everywhere (SQLite keeps no time zone)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.nps import category as nps_category
from extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_site_key() -> str:
    return secrets.token_urlsafe(12)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Site(db.Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_site_key)
    name: Mapped[str] = mapped_column(String(200))
    # Exact origins ("https://blog.example"), normalised by widget.origins.normalise_origin.
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_lang: Mapped[str] = mapped_column(String(2), default="en")
    # Per-language overrides of core.strings.DEFAULTS: {"fr": {"question": "…"}, …}. The
    # question, the three follow-up prompts, the consent text and the thank-yous live here.
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped whenever the consent text changes, so every receipt names what was agreed to.
    consent_version: Mapped[int] = mapped_column(Integer, default=1)
    # Call-to-action link shown with the thank-you, per category: {"promoter": "https://…"}.
    cta_urls: Mapped[dict] = mapped_column(JSON, default=dict)
    theme_color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    resurvey_days: Mapped[int] = mapped_column(Integer, default=90)
    consent_scope: Mapped[str] = mapped_column(String(10), default="promoters")
    min_sample: Mapped[int] = mapped_column(Integer, default=30)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def asks_consent(self, category: str) -> bool:
        return self.consent_scope == "everyone" or category == "promoter"


class Response(db.Model):
    __tablename__ = "response"
    __table_args__ = (
        Index("ix_response_site_created", "site_id", "created_at"),
        Index("ix_response_site_visitor", "site_id", "visitor_hash"),
        Index("ix_response_site_respondent", "site_id", "respondent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(10))
    why: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    # Scheme, host and path only: query strings and fragments can carry personal data.
    page_url: Mapped[str | None] = mapped_column(String(2048))
    respondent: Mapped[str | None] = mapped_column(String(128))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    # Keyed hash of (day, site, address, user agent) under a salt that rotates daily: it tells
    # a repeat on the same day apart without ever storing an address.
    visitor_hash: Mapped[str] = mapped_column(String(64))
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    testimonial: Mapped[Testimonial | None] = relationship(
        back_populates="response", cascade="all, delete-orphan", uselist=False
    )

    def set_score(self, score: int) -> None:
        self.score = score
        self.category = nps_category(score)


class Testimonial(db.Model):
    """A respondent's words they consented to publish, with the receipt of that consent."""

    __tablename__ = "testimonial"
    __table_args__ = (Index("ix_testimonial_site_status", "site_id", "status"),)

    STATUSES = ("pending", "approved", "rejected", "withdrawn")

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    quote: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(120))
    # The consent receipt: the exact text shown, its version, and when (UTC).
    consent_text: Mapped[str] = mapped_column(Text)
    consent_version: Mapped[int] = mapped_column(Integer)
    consented_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="testimonial")


user_site = Table(
    "user_site",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "user"

    ROLES = ("owner", "moderator")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    # An owner created without --site administers every site of the instance.
    all_sites: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sites: Mapped[list[Site]] = relationship(secondary=user_site)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    """A bearer token for scripts. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_token"

    PREFIX = "plaudit_"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """A new token row and the plain token, which the caller shows once."""
        plain = cls.PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=sha256_hex(plain)), plain
