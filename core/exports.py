"""Streaming exports of answers: CSV (safe to open in a spreadsheet) and JSON, in constant memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from core.stats import Filters, raw_answers
from extensions import db
from models import Response, Site, Testimonial

COLUMNS = (
    "id",
    "created_at",
    "score",
    "category",
    "why",
    "lang",
    "touchpoint",
    "page_url",
    "respondent",
    "attributes",
    "is_duplicate",
    "contact_email",
    "followup_status",
    "owner_notes",
    "testimonial_status",
    "respondent_proven",  # columns added later go after the ones scripts already read
    "channel",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000
# Excel reads a CSV file as the Windows code page unless it starts with a byte order mark; scripts
# reading the API would find it glued to the first column's name, so it is asked for (`bom=1`).
BOM = "\ufeff"


def cell(value) -> object:
    """One CSV cell as a spreadsheet should read it. Booleans are written `true`/`false`, the
    words the JSON export uses. Spreadsheets run cells that start like a formula; a leading
    apostrophe makes them text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _rows(site: Site, filters: Filters, category: str | None) -> Iterator[dict]:
    """The export's rows, from a query run now: whatever the database refuses fails while the view
    can still answer in the error shape, before the first byte is streamed."""
    query = (
        raw_answers(
            site,
            filters,
            Response.id,
            Response.created_at,
            Response.score,
            Response.category,
            Response.why,
            Response.lang,
            Response.touchpoint,
            Response.page_url,
            Response.respondent,
            Response.attributes,
            Response.is_duplicate,
            Response.contact_email,
            Response.followup_status,
            Response.owner_notes,
            Testimonial.status,
            Response.respondent_proven,
            Response.channel,
            duplicates=True,
        )
        .outerjoin(Testimonial, Testimonial.response_id == Response.id)
        .order_by(Response.id)
    )
    if category:
        query = query.where(Response.category == category)
    # Fetched in batches from a server-side cursor: memory does not grow with the export.
    result = db.session.execute(query.execution_options(yield_per=BATCH, stream_results=True))
    return (_record(row) for row in result)


def _record(row) -> dict:
    record = dict(zip(COLUMNS, row, strict=True))
    record["created_at"] = record["created_at"].isoformat(timespec="seconds") + "Z"
    return record


def csv_lines(site: Site, filters: Filters, category: str | None, *, bom: bool = False) -> Iterator[str]:
    return _csv_chunks(_rows(site, filters, category), bom=bom)


def json_chunks(site: Site, filters: Filters, category: str | None) -> Iterator[str]:
    return _json_chunks(_rows(site, filters, category))


def _csv_chunks(records: Iterator[dict], *, bom: bool = False) -> Iterator[str]:
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for n, record in enumerate(records, 1):
        record["attributes"] = json.dumps(record["attributes"] or {}, ensure_ascii=False)
        writer.writerow([cell(record[column]) for column in COLUMNS])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(records: Iterator[dict]) -> Iterator[str]:
    yield "["
    for n, record in enumerate(records):
        yield ("," if n else "") + json.dumps(record, ensure_ascii=False)
    yield "]"
