"""Every request body the API accepts, validated at the edge. Unknown fields are refused
(marshmallow's default), free text goes through core.text.clean_text (kept as typed, NFC)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from core.contact_upload import ContactSchema
from core.origins import page_without_query
from core.query_args import ATTRIBUTE_NAME, LABEL
from core.strings import LANGUAGES
from core.text import clean_text

WHY_MAX = 2000


class StrictInteger(fields.Integer):
    """An integer that refuses strings, floats and booleans (True is an int in Python)."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    truthy = {True}
    falsy = {False}


class PlainText(fields.String):
    """A string normalised by core.text.clean_text; validators (length) then see what is stored."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_text(super()._deserialize(value, attr, data, **kwargs), multiline=self.multiline)


class ResponseCreate(Schema):
    score = StrictInteger(required=True, validate=validate.Range(min=0, max=10))
    lang = fields.String(validate=validate.OneOf(LANGUAGES))
    touchpoint = fields.String(validate=[validate.Length(max=64), LABEL])
    page_url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048))
    respondent = PlainText(validate=validate.Length(min=1, max=128))
    # Hex HMAC-SHA256 of `respondent` under the site's identity secret, from the site's server.
    respondent_hash = fields.String(validate=validate.Regexp(r"^[0-9A-Fa-f]{64}$", error="64 hexadecimal digits."))
    attributes = fields.Dict(
        keys=fields.String(validate=ATTRIBUTE_NAME),
        values=PlainText(validate=validate.Length(max=128)),
        validate=validate.Length(max=20),
    )
    # The invitation the hosted page was opened from (its link's `i`): the answer is its one
    # response, with its touchpoint and the contact's reference (core/invitations.py).
    invitation = fields.String(validate=validate.Length(min=3, max=80))

    @validates_schema
    def _proof_of_something(self, data, **kwargs):
        if "respondent_hash" in data and "respondent" not in data:
            raise ValidationError("A respondent_hash proves a respondent: send the respondent too.", "respondent_hash")

    @post_load
    def _privacy(self, data, **kwargs):
        if "page_url" in data:
            data["page_url"] = page_without_query(data["page_url"])
        return data


class ResponseUpdate(Schema):
    score = StrictInteger(validate=validate.Range(min=0, max=10))
    why = PlainText(multiline=True, validate=validate.Length(max=WHY_MAX))
    consent = StrictBoolean()
    # The consent text version the visitor was shown (the config's `consent_version`).
    consent_version = StrictInteger(validate=validate.Range(min=1, max=2**31 - 1))
    display_name = PlainText(validate=validate.Length(max=80))
    role = PlainText(validate=validate.Length(max=120))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class ViewBeacon(Schema):
    touchpoint = fields.String(validate=[validate.Length(max=64), LABEL])
    invitation = fields.String(validate=validate.Length(min=3, max=80))


MAX_CONTACTS = 1000


class InvitationsCreate(Schema):
    """`POST /sites/KEY/invitations` (CONTRACT.md)."""

    contacts = fields.List(
        fields.Nested(ContactSchema), required=True, validate=validate.Length(min=1, max=MAX_CONTACTS)
    )
    touchpoint = fields.String(validate=[validate.Length(max=64), LABEL])
    # When to send (ISO 8601; a time without a zone is UTC); now when absent or past.
    send_at = fields.AwareDateTime(default_timezone=UTC)
    reminder_days = StrictInteger(validate=validate.Range(min=1, max=60))

    @post_load
    def _utc(self, data, **kwargs):
        if "send_at" in data:
            data["send_at"] = data["send_at"].astimezone(UTC).replace(tzinfo=None)
        return data


# Schemas hold no per-request state; building one deep-copies its fields, so build them once.
response_create = ResponseCreate()
response_update = ResponseUpdate()
view_schema = ViewBeacon()
invitations_create = InvitationsCreate()
