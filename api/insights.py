"""Owners' numbers and exports: `GET /sites/KEY/stats` and `GET /sites/KEY/responses`."""

from __future__ import annotations

from flask import Response, stream_with_context

from api import bp
from api.auth import SECURITY, current_caller
from api.parsing import resolved
from api.schemas import ExportRecord, Stats
from api.sites import site_or_404
from core.exports import csv_lines, json_chunks
from core.query_args import export_query_args, stats_query_args
from core.stats import breakdown, site_nps
from extensions import db
from models import Site


def owned_site(key: str) -> Site:
    site = site_or_404(key)
    caller = current_caller()
    caller.require_owner(site)
    db.session.commit()  # the token's last use
    return site


@bp.get("/sites/<key>/stats")
@resolved("site", owned_site)
@bp.arguments(stats_query_args, location="query")
@bp.response(200, Stats)
@bp.described(401, 403, 404, security=SECURITY)
def site_stats(query: tuple, key: str, site: Site):
    """NPS per group: per day, week or month, per touchpoint, page or attribute (owners)"""
    by, filters = query
    total, distribution = site_nps(site.id, site.min_sample, filters)
    return {"by": by, "groups": breakdown(site, by, filters), "total": total, "scores": distribution}


@bp.get("/sites/<key>/responses")
@resolved("site", owned_site)
@bp.arguments(export_query_args, location="query")
@bp.response(200, ExportRecord(many=True), description="The answers, streamed: JSON (format=json)…")
@bp.alt_response(200, schema={"type": "string"}, content_type="text/csv", description="…or CSV", success=True)
@bp.described(401, 403, 404, security=SECURITY)
def site_responses(query: tuple, key: str, site: Site):
    """The site's answers, streamed as CSV (the default) or JSON (owners)"""
    extra, filters = query
    if extra["format"] == "json":
        body, mimetype, name = json_chunks(site, filters, extra["category"]), "application/json", "responses.json"
    else:
        body = csv_lines(site, filters, extra["category"], bom=extra["bom"])
        mimetype, name = "text/csv", "responses.csv"
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{site.key}-{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
