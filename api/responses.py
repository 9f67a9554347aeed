"""Creating an answer (the score, the moment it is chosen), completing it, adding a photo, and
counting the widget's views."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from api import bp
from api.cors import answer_channel, from_plaudit, require_origin
from api.parsing import resolved
from api.schemas import Answer, PhotoUpload, response_create, response_update, view_schema
from api.sites import site_or_404
from core import invitations
from core.enums import Channel
from core.images import ImageRejected
from core.links import private_link_token
from core.photos import accepts_photo, replace_photo
from core.rollups import bump_view
from core.snippets import public_url
from core.survey import Recorded, complete_response, follow_up, record_response, token_matches, visitor_hash
from extensions import db, limiter
from models import Response, Site, utcnow

ANSWER_TOKEN = [{"answer_token": []}]
# Answers given on Plaudit's own hosted page, whose calls come from Plaudit's origin.
HOSTED = (Channel.LINK, Channel.EMAIL)


def current_visitor(site_key: str) -> str:
    return visitor_hash(
        current_app.config["SECRET_KEY"],
        site_key,
        request.remote_addr or "",
        request.headers.get("User-Agent", ""),
        utcnow().date().isoformat(),
    )


def widget_site(key: str) -> Site:
    """The site a widget writes to, from one of the site's own pages or its hosted page."""
    site = site_or_404(key)
    require_origin(site, required=True, hosted=True)
    return site


def bearer_response(response_id: int) -> Response:
    """The answer the request's bearer token (from its creation) completes."""
    response = db.session.get(Response, response_id) or abort(404, description="No such response.")
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    max_age = timedelta(hours=current_app.config["PLAUDIT_RESPONSE_EDIT_HOURS"])
    if not token or not token_matches(response, token, max_age):
        raise Unauthorized(
            "A valid bearer token from the response's creation is required.",
            www_authenticate=WWWAuthenticate("bearer"),
        )
    require_origin(response.site, required=False, hosted=response.channel in HOSTED)
    return response


def consented_response(response_id: int) -> Response:
    response = bearer_response(response_id)
    if response.testimonial is None:
        abort(409, description="Consent to publish your words before adding a photo.")
    return response


def answer(site: Site, response: Response | Recorded, **extra) -> dict:
    follow = follow_up(site, response.category, response.lang)
    return {"id": response.id, "category": response.category, "follow_up": follow, **extra}


def testimonial_state(response: Response) -> dict:
    """The testimonial's status and, while it can still be withdrawn, the private link to do so."""
    testimonial = response.testimonial
    if testimonial is None:
        return {"testimonial": None}
    state = {"testimonial": testimonial.status}
    if testimonial.status != "withdrawn":
        token = private_link_token(current_app.config["SECRET_KEY"], testimonial)
        state["withdraw_url"] = public_url("widget.withdraw", token=token)
    return state


@bp.post("/sites/<key>/responses")
@limiter.limit(lambda: current_app.config["PLAUDIT_SUBMIT_LIMIT"])
@resolved("site", widget_site)
@bp.arguments(response_create)
@bp.response(201, Answer)
@bp.described(400, 403, 404, 413, 429)
def create_response(data: dict, key: str, site: Site):
    """Record a score the moment it is chosen (from one of the site's pages)"""
    channel = answer_channel(site, data.get("page_url"), invited="invitation" in data)
    if channel == Channel.EMAIL:  # from an invitation's link: its contact, touchpoint and answer
        invitation = invitations.usable(site, data.pop("invitation"))
        recorded = invitations.answer(site, invitation, data, current_visitor(site.key))
    else:
        recorded = record_response(site, data, current_visitor(site.key), channel)
    return answer(site, recorded, token=recorded.token, respondent_proven=recorded.respondent_proven)


@bp.patch("/responses/<id:response_id>")
@limiter.limit(lambda: current_app.config["PLAUDIT_COMPLETE_LIMIT"])
@resolved("response", bearer_response)
@bp.arguments(response_update)
@bp.response(200, Answer)
@bp.described(400, 401, 403, 404, 409, 413, 429, security=ANSWER_TOKEN)
def update_response(data: dict, response_id: int, response: Response):
    """Complete an answer: its words, consent to publish them, a name, a contact

    With the bearer token from the answer's creation. `consent: false` withdraws for good;
    `consent_version` is the config's, and 409 says that text was replaced since.
    """
    complete_response(response, data)
    return answer(response.site, response, **testimonial_state(response))


@bp.post("/responses/<id:response_id>/photo")
@accepts_photo
@limiter.limit(lambda: current_app.config["PLAUDIT_PHOTO_LIMIT"])
@resolved("response", consented_response)
@bp.arguments(PhotoUpload(), location="files")
@bp.response(200, Answer)
@bp.described(401, 403, 404, 409, 413, 415, 429, security=ANSWER_TOKEN)
def upload_response_photo(files: dict, response_id: int, response: Response):
    """Add a photo to a consented testimonial (with the answer's bearer token)"""
    try:
        replace_photo(response.testimonial, files["photo"], "respondent")
    except ImageRejected as exc:
        abort(exc.code, description=str(exc))
    return answer(response.site, response, **testimonial_state(response))


@bp.post("/sites/<key>/views")
@limiter.limit(lambda: current_app.config["PLAUDIT_SUBMIT_LIMIT"])
@resolved("site", widget_site)
@bp.arguments(view_schema, location="json_or_empty", required=False)
@bp.response(204)
@bp.described(400, 403, 404, 413, 429)
def record_view(data: dict, key: str, site: Site):
    """Count one display of the widget

    One light, cookie-free request, for response rates: sent as text/plain so that browsers need
    no preflight for it (any Content-Type is read as JSON); an empty body is a bare count.
    """
    bump_view(site.id, utcnow().date(), data.get("touchpoint"))  # no commit: batched (core/rollups.py)
    if data.get("invitation") and from_plaudit():
        invitations.opened(site, data["invitation"])  # the invitation's page was opened
    return current_app.response_class(status=204)
