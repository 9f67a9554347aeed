"""Who is calling the moderation API: an API token (hashed, revocable) or a back-office session."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from extensions import csrf, db
from models import ApiToken, Site, User, sha256_hex, utcnow

# How the OpenAPI document says a route takes an API token or a back-office session (api/document.py).
SECURITY = [{"api_token": []}, {"session": []}]

_TOKEN_BY_HASH = db.select(ApiToken).where(ApiToken.token_hash == db.bindparam("hash"))


@dataclass(frozen=True)
class Caller:
    user: User
    label: str  # how the audit log names this caller

    def require_site(self, site: Site) -> None:
        if not self.user.can_access(site):
            abort(403, description="You do not have access to this site.")

    def require_owner(self, site: Site) -> None:
        self.require_site(site)
        if not self.user.is_owner:
            abort(403, description="Only an owner of this site may do this.")


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer"))


def current_caller() -> Caller:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = db.session.execute(_TOKEN_BY_HASH, {"hash": sha256_hex(header[7:].strip())}).scalar()
        if token is None or token.revoked:
            raise _unauthorized("This API token is unknown or revoked.")
        token.last_used_at = utcnow()
        return Caller(token.user, f"token {token.id} of {token.user.email}")
    if current_user.is_authenticated:
        # A browser session rides on a cookie: writes also need the page's CSRF token.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return Caller(current_user._get_current_object(), f"user {current_user.id} <{current_user.email}>")
    raise _unauthorized("Send an API token (Authorization: Bearer …) or log in.")
