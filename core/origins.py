"""Web origins as browsers send them in the `Origin` header: scheme://host[:port]."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import idna
from flask_babel import lazy_gettext as _l

_DEFAULT_PORTS = {"http": 80, "https": 443}
_ASCII_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


def _browser_host(hostname: str, value: str) -> str:
    """The host as a browser writes it in the Origin header: an international name in punycode
    (UTS #46, the mapping browsers apply), an IPv6 address in brackets. What no browser could
    send is refused, so that a typo is said at once rather than the survey never showing."""
    if ":" in hostname:  # urlsplit has taken an IPv6 literal out of its brackets
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise ValueError(_l("not an IPv6 address in the origin %(origin)s", origin=repr(value))) from None
    if hostname.isascii():
        if all(_ASCII_LABEL.fullmatch(label) for label in hostname.removesuffix(".").split(".")):
            return hostname
        raise ValueError(_l("not a host name in the origin %(origin)s", origin=repr(value)))
    try:
        return idna.encode(hostname, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValueError(_l("not a host name in the origin %(origin)s", origin=repr(value))) from None


def normalise_origin(value: str) -> str:
    """`HTTPS://Blog.Example:443/` → `https://blog.example`. Raises ValueError when the value
    is not an http(s) origin (a path, query or credentials are refused, not silently dropped)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(_l("not an http(s) origin: %(origin)s", origin=repr(value)))
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(_l("an origin has no path, query or credentials: %(origin)s", origin=repr(value)))
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(_l("bad port in the origin %(origin)s", origin=repr(value))) from exc
    if port == 0:
        raise ValueError(_l("bad port in the origin %(origin)s", origin=repr(value)))
    host = _browser_host(parts.hostname, value)
    if port and port != _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def page_without_query(url: str) -> str:
    """Keep scheme, host and path of a page address; drop the query and fragment, which can
    carry e-mail addresses, tokens or campaign identifiers."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
