"""The JSON API under /api/v1 (shared/CONTRACT.md, "HTTP API")."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from api import cors, insights, invitations, moderation, openapi, responses, sites, testimonials  # noqa: E402,F401  (routes register on import)
