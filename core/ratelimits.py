"""Whom a rate limit counts. Every key is a keyed hash, so the limiter's storage (memory, or
Redis shared by every host) never holds an address or an e-mail, and a key seen there cannot be
turned back into one without the secret key."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app, request


def keyed(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"ratelimit:{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def address_key() -> str:
    """The client's address (the one the nearest trusted proxy saw, see PLAUDIT_PROXY_COUNT), and
    nothing else: a new User-Agent, cookie or header does not make a new client."""
    return keyed("address", client_network(request.remote_addr or ""))


def client_network(address: str) -> str:
    """What one client controls: an IPv4 address, or an IPv6 /64 (a home or phone is given a whole
    /64 and may pick any address in it, so counting each address would multiply every limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
