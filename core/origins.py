"""Web origins as browsers send them in the `Origin` header: scheme://host[:port]."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str:
    """`HTTPS://Blog.Example:443/` → `https://blog.example`. Raises ValueError when the value
    is not an http(s) origin (a path, query or credentials are refused, not silently dropped)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) origin: {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"an origin has no path, query or credentials: {value!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"bad port in {value!r}") from exc
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port and port != _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def page_without_query(url: str) -> str:
    """Keep scheme, host and path of a page address; drop the query and fragment, which can
    carry e-mail addresses, tokens or campaign identifiers."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
