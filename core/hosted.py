"""The hosted survey page, `/s/KEY`: the survey on a page Plaudit serves itself, for links,
QR codes and (later) e-mail invitations. Its link is made here, once, and an answer from it is
recognised here: the same widget posts from Plaudit's own origin, on this page's address."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno

from core.query_args import ATTRIBUTE_PREFIX
from core.snippets import public_url

HOSTED_ENDPOINT = "widget.hosted_page"


def hosted_link(site_key: str, touchpoint: str | None = None, lang: str | None = None, attributes=None) -> str:
    """The absolute link to the site's hosted page, with what its answers should carry."""
    query = {"touchpoint": touchpoint, "lang": lang}
    query |= {ATTRIBUTE_PREFIX + name: value for name, value in sorted((attributes or {}).items())}
    return public_url(HOSTED_ENDPOINT, key=site_key, **{k: v for k, v in query.items() if v})


def is_hosted_page(site_key: str, page_url: str | None) -> bool:
    """Whether the page an answer says it was given on is this site's hosted page (its query
    is already dropped, core.origins.page_without_query)."""
    if not page_url:
        return False
    return urlsplit(page_url).path == urlsplit(public_url(HOSTED_ENDPOINT, key=site_key)).path


def _qr(link: str):
    # Medium error correction (raised when it costs no size), never a Micro QR: every phone's
    # camera reads it, printed on a receipt or a parcel insert.
    return segno.make(link, error="m", micro=False)


def qr_svg(link: str) -> bytes:
    buffer = io.BytesIO()
    _qr(link).save(buffer, kind="svg", scale=8, border=4, title=link, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_png(link: str) -> bytes:
    """Black on white, 10 pixels a module, with the four modules of quiet zone the standard asks."""
    buffer = io.BytesIO()
    _qr(link).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
