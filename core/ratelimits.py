"""Whom a rate limit counts. Every key is a keyed hash, so the limiter's storage (memory, or
Redis shared by every host) never holds an address or an e-mail, and a key seen there cannot be
turned back into one without the secret key."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def keyed(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"ratelimit:{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def address_key() -> str:
    """The client's address (the one the nearest trusted proxy saw, see PLAUDIT_PROXY_COUNT), and
    nothing else: a new User-Agent, cookie or header does not make a new client."""
    return keyed("address", request.remote_addr or "")
