"""Every shape the API reads and writes, as marshmallow schemas: they parse and validate each
request (`bp.arguments`), serialise each answer (`bp.response`, or `dump` where a cached answer is
built), and /api/v1/openapi.json is generated from them, so the document cannot drift from them.

Request bodies refuse unknown fields (marshmallow's default) and pass free text through
core.text.clean_text (kept as typed, NFC). The query strings of lists and reports are
core.query_args' schemas, which the back office reads too."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, missing, post_load, pre_dump, validate, validates_schema

from core.contact_upload import ContactSchema
from core.enums import Channel, FollowUpStatus, InvitationSkip, TestimonialStatus, values
from core.nps import CATEGORIES
from core.origins import page_without_query
from core.query_args import ATTRIBUTE_NAME, LABEL
from core.snippets import public_url
from core.strings import LANGUAGES
from core.text import clean_text

WHY_MAX = 2000
DIRECTIONS = ("ltr", "rtl")


# Fields -----------------------------------------------------------------------------------------


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


class UtcTime(fields.DateTime):
    """A stored (naive, UTC) time as the API has always written it: 2026-05-01T09:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat(timespec="seconds") + "Z"


class MediaUrl(fields.String):
    """A stored photo's file name, written as its absolute public URL."""

    def _serialize(self, value, attr, obj, **kwargs):
        return public_url("wall.media", name=value) if value else None


def nullable(field: type[fields.Field], **kwargs) -> fields.Field:
    return field(allow_none=True, **kwargs)


# Requests ---------------------------------------------------------------------------------------


class NewAnswer(Schema):
    """A score, sent the moment it is chosen."""

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


class AnswerUpdate(Schema):
    """What completes an answer: its words, consent to publish them, a name, a contact."""

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


class PhotoUpload(Schema):
    photo = Upload(required=True, error_messages={"required": "Send the photo as a multipart field named 'photo'."})


class ConfigQuery(Schema):
    # Anything: a language without texts gets the site's default, a touchpoint without a question
    # of its own the site's question.
    lang = fields.String(
        metadata={"description": "a BCP 47 tag (fr-CA gives fr); one without texts gets the site's default"}
    )
    touchpoint = fields.String(metadata={"description": "the question the owner wrote for it, if any, else the site's"})


# Answers ----------------------------------------------------------------------------------------


class Link(Schema):
    url = fields.String(required=True)
    label = fields.String(required=True)


class FollowUp(Schema):
    """What the widget asks next for this answer's category, and how it thanks."""

    prompt = fields.String(required=True)
    ask_consent = fields.Boolean(required=True)
    ask_contact = fields.Boolean(required=True)
    thanks = fields.String(required=True)
    cta = fields.Nested(Link, required=True, allow_none=True)


class Answer(Schema):
    id = fields.Integer(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    follow_up = fields.Nested(FollowUp, required=True)
    token = fields.String(metadata={"description": "on creation only: the bearer token that completes this answer"})
    respondent_proven = fields.Boolean(metadata={"description": "on creation only"})
    testimonial = fields.String(
        allow_none=True,
        validate=validate.OneOf(values(TestimonialStatus)),
        metadata={"description": "on completion: the testimonial's status, null when the words are not consented"},
    )
    withdraw_url = fields.String(metadata={"description": "the respondent's private page, while they may withdraw"})


class SiteName(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class Theme(Schema):
    color = fields.String(required=True)


class WidgetConfig(Schema):
    site = fields.Nested(SiteName, required=True)
    lang = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    dir = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    # Strings by name, copied as they are: ~45 of them through a field each would double the
    # cost of building the config.
    texts = fields.Dict(required=True, metadata={"additionalProperties": {"type": "string"}})
    consent_version = fields.Integer(required=True)
    resurvey_days = fields.Integer(required=True)
    theme = fields.Nested(Theme, required=True)
    # The server's rules as data (core.survey.follow_up): the widget computes neither.
    categories = fields.List(
        fields.String(validate=validate.OneOf(CATEGORIES)),
        required=True,
        validate=validate.Length(equal=11),
        metadata={"description": "what each score 0-10 counts as"},
    )
    follow_up = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CATEGORIES)),
        values=fields.Nested(FollowUp),
        required=True,
        metadata={"description": "what each category asks next and how it thanks"},
    )


class Nps(Schema):
    """The site's NPS; below its minimum sample, `nps` and `margin_of_error` are null."""

    nps = fields.Integer(required=True, allow_none=True)
    total = fields.Integer(required=True)
    promoters = fields.Integer(required=True)
    passives = fields.Integer(required=True)
    detractors = fields.Integer(required=True)
    margin_of_error = fields.Float(required=True, allow_none=True)
    enough_data = fields.Boolean(required=True)
    min_sample = fields.Integer(required=True)


class Testimonial(Schema):
    """An approved testimonial, as public surfaces show it."""

    id = fields.Integer(required=True)
    quote = fields.String(required=True)
    edited = fields.Boolean(required=True)
    display_name = nullable(fields.String, required=True)
    role = nullable(fields.String, required=True)
    score = fields.Integer(required=True, attribute="response.score")
    lang = fields.String(required=True, attribute="response.lang")
    featured = fields.Boolean(required=True)
    tags = fields.List(fields.String(), required=True)
    photo_url = nullable(MediaUrl, required=True, attribute="photo")
    approved_at = nullable(UtcTime, required=True)


class Testimonials(Schema):
    testimonials = fields.List(fields.Nested(Testimonial), required=True)
    next_cursor = fields.Integer(required=True, allow_none=True)
    chosen_from = fields.Integer(required=True, metadata={"description": "the number of answers they were chosen from"})


class Receipt(Schema):
    """The consent receipt: the exact text the respondent agreed to, its version, and when."""

    text = fields.String(required=True, attribute="consent_text")
    version = fields.Integer(required=True, attribute="consent_version")
    # False when the client did not say which version it showed (older widgets).
    confirmed = fields.Boolean(required=True, attribute="consent_confirmed")
    consented_at = UtcTime(required=True)
    response_id = fields.Integer(required=True)


class ReceiptOf(fields.Nested):
    """The testimonial's own receipt, or null when it has none (it cannot be approved)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj if obj.has_receipt else None


class ModeratedTestimonial(Testimonial):
    """A testimonial as moderators see it: any status, the respondent's own words, the receipt."""

    site = fields.String(required=True, attribute="site.key")
    status = fields.String(required=True, validate=validate.OneOf(values(TestimonialStatus)))
    why = nullable(fields.String, required=True, attribute="response.why")
    original_quote = nullable(fields.String, required=True)
    category = fields.String(required=True, attribute="response.category", validate=validate.OneOf(CATEGORIES))
    touchpoint = nullable(fields.String, required=True, attribute="response.touchpoint")
    page_url = nullable(fields.String, required=True, attribute="response.page_url")
    receipt = ReceiptOf(Receipt, required=True, allow_none=True)
    created_at = UtcTime(required=True)


class ModerationQueue(Schema):
    testimonials = fields.List(fields.Nested(ModeratedTestimonial), required=True)
    next_cursor = fields.Integer(required=True, allow_none=True)


class WallSite(SiteName):
    url = fields.String(metadata={"description": "the public wall page"})


class HonestNumbers(Schema):
    chosen_from = fields.String(required=True)
    nps = fields.String(required=True, metadata={"description": "empty below the minimum sample"})


class Wall(Schema):
    """What wall.js draws; below the site's minimum of approved testimonials only `site`, `lang`
    and an empty `testimonials`."""

    site = fields.Nested(WallSite, required=True)
    lang = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    testimonials = fields.List(fields.Nested(Testimonial), required=True)
    dir = fields.String(validate=validate.OneOf(DIRECTIONS))
    texts = fields.Dict(metadata={"additionalProperties": {"type": "string"}})
    honest = fields.Nested(HonestNumbers)
    theme = fields.Nested(Theme)
    nps = fields.Nested(Nps)
    published = fields.Integer()


class Summary(Schema):
    nps = fields.Integer(required=True, allow_none=True)
    total = fields.Integer(required=True)
    promoters = fields.Integer(required=True)
    passives = fields.Integer(required=True)
    detractors = fields.Integer(required=True)
    margin_of_error = fields.Float(required=True, allow_none=True)


class Group(Summary):
    key = fields.String(required=True, metadata={"description": "the period's first day, or the segment"})

    @pre_dump
    def _from_pair(self, pair, **kwargs):
        # core.stats.breakdown gives (label, summary) pairs.
        label, summary = pair
        return {"key": label, **asdict(summary)}


class Stats(Schema):
    by = fields.String(required=True)
    groups = fields.List(fields.Nested(Group), required=True)
    total = fields.Nested(Summary, required=True)
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "answers per score, 0 to 10"},
    )


class ExportRecord(Schema):
    """One answer of the JSON export (the CSV has the same columns, in this order). The export is
    streamed by core.exports in constant memory; this documents its rows."""

    id = fields.Integer(required=True)
    created_at = UtcTime(required=True)
    score = fields.Integer(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    why = nullable(fields.String, required=True)
    lang = fields.String(required=True)
    touchpoint = nullable(fields.String, required=True)
    page_url = nullable(fields.String, required=True)
    respondent = nullable(fields.String, required=True)
    attributes = nullable(fields.Dict, keys=fields.String(), values=fields.String(), required=True)
    is_duplicate = fields.Boolean(required=True)
    contact_email = nullable(fields.String, required=True)
    followup_status = fields.String(required=True, validate=validate.OneOf(values(FollowUpStatus)))
    owner_notes = nullable(fields.String, required=True)
    testimonial_status = nullable(fields.String, required=True, validate=validate.OneOf(values(TestimonialStatus)))
    respondent_proven = fields.Boolean(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(values(Channel)))


class OpenApiDocument(Schema):
    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
    components = fields.Dict()
    tags = fields.List(fields.Dict())


# Schemas hold no per-request state, and building one deep-copies its fields: built once.
response_create = NewAnswer()
response_update = AnswerUpdate()
view_schema = ViewBeacon()
invitations_create = InvitationsCreate()


class Skipped(Schema):
    email = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(values(InvitationSkip)))


class InvitationsScheduled(Schema):
    """How many invitations were scheduled, and whom they skipped, with why."""

    scheduled = fields.Integer(required=True)
    skipped = fields.List(fields.Nested(Skipped), required=True)
