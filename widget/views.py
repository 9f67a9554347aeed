"""The widget's files and the demo page."""

from __future__ import annotations

from flask import abort, render_template

from core.assets import asset_response
from core.snippets import embed_snippets, public_base_url
from extensions import db
from models import Site
from widget import bp


@bp.get("/widget.js")
def widget_js():
    return asset_response("widget.js")


@bp.get("/widget.css")
def widget_css():
    return asset_response("widget.css")


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/demo")
def demo():
    site = db.session.execute(db.select(Site).filter_by(is_demo=True)).scalar()
    if site is None:
        abort(404, description="No demo site yet: run `flask --app app demo` (make run does).")
    return render_template("demo.html", site=site, base=public_base_url(), snippets=embed_snippets(site.key))
