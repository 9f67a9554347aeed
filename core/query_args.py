"""What the query strings of lists and reports mean, validated at the edge: the same arguments
whether the API, the back office or a page reads them. Unknown parameters are ignored (query
strings pick up campaign tags and cache-busters); a bad value raises ValidationError, which each
blueprint answers in its own kind (errors.py)."""

from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, fields, post_load, pre_load, validate

from core.enums import Channel, TestimonialStatus, values
from core.nps import CATEGORIES
from core.stats import Filters
from core.strings import LANGUAGES
from models import MAX_ROW_ID

# A journey-stage label and a segment attribute's name, as answers carry them (api/schemas.py).
# A touchpoint or tag: what labels a segment in URLs, stats and the owner's texts.
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$"
LABEL = validate.Regexp(LABEL_PATTERN, error="Letters, digits, space and _ . : / - only.")
ATTRIBUTE_NAME = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,31}$", error="a-z, 0-9, _ and - only, 32 at most.")
ATTRIBUTE_PREFIX = "attr."


class TestimonialsQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # query strings pick up campaign tags and cache-busters; ignore them

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    # A testimonial's id, so within the ids a row can have.
    cursor = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID))
    tag = fields.String(validate=validate.Length(max=40))


# The moderation queue shows one status, or "all" of them.
QUEUE_STATUSES = (*values(TestimonialStatus), "all")


class ModerationQuery(TestimonialsQuery):
    status = fields.String(load_default=TestimonialStatus.PENDING.value, validate=validate.OneOf(QUEUE_STATUSES))
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
    lang = fields.String(validate=validate.Length(max=35))  # BCP 47: core.i18n.negotiate


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
    channel = fields.String(validate=validate.OneOf(values(Channel)))
    attr = fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,31}:.{1,128}$", error="Use attr=name:value."))

    @post_load
    def _filters(self, data, **kwargs):
        attr = data.pop("attr", None)
        filters = Filters(**data, attribute=tuple(attr.split(":", 1)) if attr else None)
        return filters


class StatsQuery(InsightFilters):
    by = fields.String(
        load_default="week",
        validate=validate.Regexp(
            r"^(day|week|month|touchpoint|page|channel|attr:[a-z0-9][a-z0-9_-]{0,31})$",
            error="by is day, week, month, touchpoint, page, channel or attr:NAME.",
        ),
    )

    @post_load
    def _filters(self, data, **kwargs):
        by = data.pop("by")
        return by, super()._filters(data)


class ExportQuery(InsightFilters):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "json"]))
    # CSV only: start the file with a UTF-8 byte order mark, for Excel (the dashboard's link asks).
    bom = fields.Boolean(load_default=False)

    @post_load
    def _filters(self, data, **kwargs):
        extra = {"category": data.pop("category", None), "format": data.pop("format"), "bom": data.pop("bom")}
        return extra, super()._filters(data)


stats_query_args = StatsQuery()
export_query_args = ExportQuery()


def language_of(tag: str | None) -> str | None:
    """A BCP 47 tag's language when Plaudit has its texts (`fr-CA` → `fr`), else None."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


class HostedQuery(Schema):
    """The hosted survey page's link (`/s/KEY?touchpoint=&lang=&attr.NAME=&score=`) and its QR
    code's. What an answer would carry (the touchpoint, attributes) must be what the API accepts,
    or the visitor's answer would be refused: a link that cannot work is refused at once (400).
    The language falls back as everywhere, and the score is only a preselection: a value that is
    not one is ignored, never an error for the person who followed the link."""

    class Meta:
        unknown = EXCLUDE

    touchpoint = fields.String(validate=[validate.Length(max=64), LABEL])
    lang = fields.String(load_default=None)
    score = fields.String(load_default=None)
    # An e-mail invitation's token (core/invitations.py), passed on to the widget as it is: the
    # API checks it when the answer is saved, so a wrong one fails there, not on the page.
    i = fields.String(load_default=None, validate=validate.Length(max=80))
    attributes = fields.Dict(
        keys=fields.String(validate=ATTRIBUTE_NAME),
        values=fields.String(validate=validate.Length(max=128)),
        validate=validate.Length(max=20),
        load_default=dict,
    )

    @pre_load
    def _attributes(self, args, **kwargs):
        # An empty value (`?touchpoint=`, from a link template left blank) is no value.
        given = {k: v for k, v in args.items() if v != ""}
        attributes = {k[len(ATTRIBUTE_PREFIX) :]: v for k, v in given.items() if k.startswith(ATTRIBUTE_PREFIX)}
        return {**{k: v for k, v in given.items() if not k.startswith(ATTRIBUTE_PREFIX)}, "attributes": attributes}

    @post_load
    def _lenient(self, data, **kwargs):
        data["lang"] = language_of(data["lang"])
        score = data["score"]
        data["score"] = (
            int(score) if score is not None and score.isascii() and score.isdigit() and int(score) <= 10 else None
        )
        return data


hosted_query_args = HostedQuery()
