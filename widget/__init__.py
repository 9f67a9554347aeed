"""Serves the embeds' scripts and styles, builds embed snippets, and shows the demo page."""

from flask import Blueprint

bp = Blueprint("widget", __name__)

from widget import hosted, unsubscribe, views, withdraw  # noqa: E402,F401
