"""The JSON API under /api/v1 (shared/CONTRACT.md, "HTTP API"), on flask-smorest: every route
declares the schemas (api/schemas.py) that parse its arguments and serialise its answers, and
/api/v1/openapi.json is generated from them (api/document.py)."""

from api.parsing import ApiBlueprint

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="NPS surveys and consented testimonials.")

from api import cors, document, insights, invitations, moderation, responses, sites, testimonials  # noqa: E402,F401  (routes register on import)
from api.document import SPEC_OPTIONS  # noqa: E402,F401  (the factory's)
