"""The back office's upload of contacts to invite: a CSV file with the columns `email`, `name`,
`respondent`, `lang`, `start` (YYYY-MM-DD) and attributes as `attr.NAME`, checked line by line
by the same schema as the API's contacts, so a line refused here would be refused there."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from core.query_args import ATTRIBUTE_NAME, ATTRIBUTE_PREFIX, language_of
from core.strings import LANGUAGES
from core.text import clean_text

MAX_LINES = 5000
COLUMNS = ("email", "name", "respondent", "lang", "start")


class Typed(fields.String):
    """Text as typed (core.text.clean_text, NFC), before its validators see it."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_text(super()._deserialize(value, attr, data, **kwargs))


class ContactSchema(Schema):
    """One contact, from the API's `contacts` or one line of an upload."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = Typed(validate=validate.Length(max=200))
    respondent = Typed(validate=validate.Length(min=1, max=128))
    lang = fields.String(validate=validate.OneOf(LANGUAGES))
    attributes = fields.Dict(
        keys=fields.String(validate=ATTRIBUTE_NAME),
        values=Typed(validate=validate.Length(max=128)),
        validate=validate.Length(max=20),
    )
    # The date the site's journey counts from (ISO 8601: 2026-03-01).
    start = fields.Date()


contact_schema = ContactSchema()


@dataclass
class Line:
    number: int  # as a spreadsheet numbers it: the header is line 1
    email: str
    contact: dict | None  # what the schema loaded, or None when the line was refused
    errors: list[str]
    skip: str | None = None  # why a valid line will not be invited (the preview says)


def _row(raw: dict) -> dict:
    row = {k: (v or "").strip() for k, v in raw.items() if k and k.strip() in COLUMNS and (v or "").strip()}
    attributes = {
        k.strip()[len(ATTRIBUTE_PREFIX) :]: v.strip()
        for k, v in raw.items()
        if k and k.strip().startswith(ATTRIBUTE_PREFIX) and (v or "").strip()
    }
    if attributes:
        row["attributes"] = attributes
    if "lang" in row:
        row["lang"] = language_of(row["lang"]) or row["lang"]  # fr-CA → fr; else refused below
    return row


def read(data: bytes) -> tuple[list[Line], str | None]:
    """The file's lines, each loaded or refused with its reasons; or a reason the whole file is
    refused (not UTF-8, no `email` column, too long)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], _('The file is not UTF-8 text: save it as "CSV UTF-8" and upload it again.')
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if "email" not in [name.strip() for name in reader.fieldnames or []]:
        return [], _('The first line must name the columns, one of them "email".')
    lines = []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_LINES + 1:
            return [], _("At most %(count)s contacts per file.", count=MAX_LINES)
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        row = _row(raw)
        try:
            lines.append(Line(number, row.get("email", ""), contact_schema.load(row), []))
        except ValidationError as exc:
            errors = [f"{field}: {' '.join(map(str, messages))}" for field, messages in _flat(exc.messages)]
            lines.append(Line(number, row.get("email", ""), None, errors))
    return lines, None


def _flat(messages: dict, prefix: str = ""):
    for field, value in messages.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{field}.")
        else:
            yield f"{prefix}{field}", value if isinstance(value, list) else [value]
