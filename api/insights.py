"""Owners' numbers and exports: `GET /sites/KEY/stats` and `GET /sites/KEY/responses`."""

from __future__ import annotations

from flask import Response, request, stream_with_context

from api import bp
from api.auth import current_caller
from api.sites import site_or_404
from core.exports import csv_lines, json_chunks
from core.query_args import export_query_args, stats_query_args
from core.stats import breakdown, site_nps
from extensions import db


def owned_site(key: str):
    site = site_or_404(key)
    caller = current_caller()
    caller.require_owner(site)
    db.session.commit()  # the token's last use
    return site


def summary_json(summary) -> dict:
    return {k: getattr(summary, k) for k in ("nps", "total", "promoters", "passives", "detractors", "margin_of_error")}


@bp.get("/sites/<key>/stats")
def site_stats(key: str):
    site = owned_site(key)
    by, filters = stats_query_args.load(request.args)
    total, distribution = site_nps(site.id, site.min_sample, filters)
    return {
        "by": by,
        "groups": [{"key": label, **summary_json(s)} for label, s in breakdown(site, by, filters)],
        "total": summary_json(total),
        "scores": distribution,
    }


@bp.get("/sites/<key>/responses")
def site_responses(key: str):
    site = owned_site(key)
    extra, filters = export_query_args.load(request.args)
    if extra["format"] == "json":
        body, mimetype, name = json_chunks(site, filters, extra["category"]), "application/json", "responses.json"
    else:
        body, mimetype, name = (
            csv_lines(site, filters, extra["category"], bom=extra["bom"]),
            "text/csv",
            "responses.csv",
        )
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{site.key}-{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
