"""Every request body the API accepts, validated at the edge. Unknown fields are refused
(marshmallow's default), free text goes through core.text.clean_text (kept as typed, NFC)."""

from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from core.origins import page_without_query
from core.strings import LANGUAGES
from core.text import clean_text
from models import MAX_ROW_ID

WHY_MAX = 2000
LABEL = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$", error="Letters, digits, space and _ . : / - only.")


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
        keys=fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,31}$")),
        values=PlainText(validate=validate.Length(max=128)),
        validate=validate.Length(max=20),
    )

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


# Schemas hold no per-request state; building one deep-copies its fields, so build them once.
response_create = ResponseCreate()
response_update = ResponseUpdate()
view_schema = ViewBeacon()


class TestimonialsQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # query strings pick up campaign tags and cache-busters; ignore them

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    # A testimonial's id, so within the ids a row can have.
    cursor = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID))
    tag = fields.String(validate=validate.Length(max=40))


class ModerationQuery(TestimonialsQuery):
    status = fields.String(
        load_default="pending", validate=validate.OneOf(["pending", "approved", "rejected", "withdrawn", "all"])
    )
    site = fields.String(validate=validate.Length(max=32))
    score = fields.Integer(validate=validate.Range(min=0, max=10))

    @post_load
    def _all(self, data, **kwargs):
        if data.get("status") == "all":
            data.pop("status")
        return data


class WallQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=12, validate=validate.Range(min=1, max=50))
    tag = fields.String(validate=validate.Length(max=40))
    lang = fields.String(validate=validate.Length(max=5))


testimonials_query_args = TestimonialsQuery()
wall_query_args = WallQuery()
moderation_query_args = ModerationQuery()


# Dates an owner can mean: no answer is older than 1970, and the day after `to` (where its range
# ends) must still be a date (9999-12-31 has none).
REPORTING_DATES = validate.Range(
    min=date(1970, 1, 1), max=date(2999, 12, 31), error="Give a date from 1970-01-01 to 2999-12-31."
)


class InsightFilters(Schema):
    """Filters shared by the dashboard, the stats API and the exports."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(data_key="from", validate=REPORTING_DATES)
    end = fields.Date(data_key="to", validate=REPORTING_DATES)
    touchpoint = fields.String(validate=validate.Length(max=64))
    page = fields.String(validate=validate.Length(max=2048))
    attr = fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,31}:.{1,128}$", error="Use attr=name:value."))

    @post_load
    def _filters(self, data, **kwargs):
        from core.stats import Filters

        attr = data.pop("attr", None)
        filters = Filters(**data, attribute=tuple(attr.split(":", 1)) if attr else None)
        return filters


class StatsQuery(InsightFilters):
    by = fields.String(
        load_default="week",
        validate=validate.Regexp(
            r"^(day|week|month|touchpoint|page|attr:[a-z0-9][a-z0-9_-]{0,31})$",
            error="by is day, week, month, touchpoint, page or attr:NAME.",
        ),
    )

    @post_load
    def _filters(self, data, **kwargs):
        by = data.pop("by")
        return by, super()._filters(data)


class ExportQuery(InsightFilters):
    category = fields.String(validate=validate.OneOf(["promoter", "passive", "detractor"]))
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "json"]))
    # CSV only: start the file with a UTF-8 byte order mark, for Excel (the dashboard's link asks).
    bom = fields.Boolean(load_default=False)

    @post_load
    def _filters(self, data, **kwargs):
        extra = {"category": data.pop("category", None), "format": data.pop("format"), "bom": data.pop("bom")}
        return extra, super()._filters(data)


stats_query_args = StatsQuery()
export_query_args = ExportQuery()
