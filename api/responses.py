"""Creating an answer (the score, the moment it is chosen) and completing it."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from api import bp
from api.cors import answer_channel, from_plaudit, require_origin
from api.schemas import response_create, response_update, view_schema
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

# Answers given on Plaudit's own hosted page, whose calls come from Plaudit's origin.
HOSTED = (Channel.LINK, Channel.EMAIL)


def json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # JSON may escape half of a UTF-16 pair ("\\ud800") alone: that is no character, and no
        # database stores it as text. Refused here, whichever field carries it.
        abort(400, description="The body contains a lone surrogate escape (\\ud800 to \\udfff), which is not text.")
    return body


def current_visitor(site_key: str) -> str:
    return visitor_hash(
        current_app.config["SECRET_KEY"],
        site_key,
        request.remote_addr or "",
        request.headers.get("User-Agent", ""),
        utcnow().date().isoformat(),
    )


def bearer_response(response_id: int) -> Response:
    response = db.session.get(Response, response_id) or abort(404, description="No such response.")
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    max_age = timedelta(hours=current_app.config["PLAUDIT_RESPONSE_EDIT_HOURS"])
    if not token or not token_matches(response, token, max_age):
        raise Unauthorized(
            "A valid bearer token from the response's creation is required.",
            www_authenticate=WWWAuthenticate("bearer"),
        )
    return response


def answer(site: Site, response: Response | Recorded, **extra) -> dict:
    follow = follow_up(site, response.category, response.lang)
    return {"id": response.id, "category": response.category, "follow_up": follow, **extra}


@bp.post("/sites/<key>/responses")
@limiter.limit(lambda: current_app.config["PLAUDIT_SUBMIT_LIMIT"])
def create_response(key: str):
    site = site_or_404(key)
    require_origin(site, required=True, hosted=True)
    data = response_create.load(json_body())
    channel = answer_channel(site, data.get("page_url"), invited="invitation" in data)
    if channel == Channel.EMAIL:
        invitation = invitations.usable(site, data.pop("invitation"))
        recorded = invitations.answer(site, invitation, data, current_visitor(site.key))
    else:
        recorded = record_response(site, data, current_visitor(site.key), channel)
    return answer(site, recorded, token=recorded.token, respondent_proven=recorded.respondent_proven), 201


@bp.patch("/responses/<id:response_id>")
@limiter.limit(lambda: current_app.config["PLAUDIT_COMPLETE_LIMIT"])
def update_response(response_id: int):
    response = bearer_response(response_id)
    require_origin(response.site, required=False, hosted=response.channel in HOSTED)
    data = response_update.load(json_body())
    complete_response(response, data)
    return answer(response.site, response, **testimonial_state(response))


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


@bp.post("/responses/<id:response_id>/photo")
@accepts_photo
@limiter.limit(lambda: current_app.config["PLAUDIT_PHOTO_LIMIT"])
def upload_response_photo(response_id: int):
    """A respondent who consented may add a photo to their testimonial."""
    response = bearer_response(response_id)
    require_origin(response.site, required=False, hosted=response.channel in HOSTED)
    testimonial = response.testimonial
    if testimonial is None:
        abort(409, description="Consent to publish your words before adding a photo.")
    try:
        replace_photo(testimonial, request.files.get("photo"), "respondent")
    except ImageRejected as exc:
        abort(exc.code, description=str(exc))
    return answer(response.site, response, **testimonial_state(response))


@bp.post("/sites/<key>/views")
@limiter.limit(lambda: current_app.config["PLAUDIT_SUBMIT_LIMIT"])
def record_view(key: str):
    """The widget was shown: one light, cookie-free request, for response rates. Sent as
    text/plain so that browsers need no preflight for it."""
    site = site_or_404(key)
    require_origin(site, required=True, hosted=True)  # the hosted page is shown too
    # The widget always sends an object; an empty body is a bare count.
    data = view_schema.load(json_body() if request.get_data(cache=True) else {})
    bump_view(site.id, utcnow().date(), data.get("touchpoint"))
    if data.get("invitation") and from_plaudit():
        invitations.opened(site, data["invitation"])  # no commit: batched (core/rollups.py)
    return "", 204
