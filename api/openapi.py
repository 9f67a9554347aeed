"""`GET /api/v1/openapi.json`: the OpenAPI 3 description of this API (fuzzed by the tests)."""

from __future__ import annotations

from functools import cache

from api import bp
from api.schemas import WHY_MAX
from core.enums import Channel, InvitationSkip, values
from core.nps import CATEGORIES
from core.strings import LANGUAGES
from models import MAX_ROW_ID

ERROR = {"$ref": "#/components/schemas/Error"}
KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
ROW = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
ORIGIN = {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"}}
NULLABLE_INT = {"type": "integer", "nullable": True}
NULLABLE_STR = {"type": "string", "nullable": True}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict, *, params=(), body=None, secured=False, code="200") -> dict:
    operation = {
        "summary": summary,
        "parameters": list(params),
        "responses": {code: ok, "default": _json(ERROR, "An error, in the one shape")},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if secured:
        operation["security"] = [{"bearer": []}]
    return operation


def _query(name: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema}


FILTERS = [
    _query("from", {"type": "string", "format": "date"}),
    _query("to", {"type": "string", "format": "date"}),
    _query("touchpoint", {"type": "string", "maxLength": 64}),
    _query("page", {"type": "string", "maxLength": 2048}),
    _query("channel", {"type": "string", "enum": list(values(Channel))}),
    _query("attr", {"type": "string", "maxLength": 170}),
]

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["code", "status", "message", "errors"],
        "properties": {
            "code": {"type": "integer"},
            "status": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "object"},
        },
    },
    "FollowUp": {
        "type": "object",
        "required": ["prompt", "ask_consent", "ask_contact", "thanks", "cta"],
        "properties": {
            "prompt": {"type": "string"},
            "ask_consent": {"type": "boolean"},
            "ask_contact": {"type": "boolean"},
            "thanks": {"type": "string"},
            "cta": {
                "type": "object",
                "nullable": True,
                "properties": {"url": {"type": "string"}, "label": {"type": "string"}},
            },
        },
    },
    "Answer": {
        "type": "object",
        "required": ["id", "category", "follow_up"],
        "properties": {
            "id": {"type": "integer"},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "follow_up": {"$ref": "#/components/schemas/FollowUp"},
            "token": {"type": "string"},
            "testimonial": NULLABLE_STR,
            "withdraw_url": {"type": "string"},
            "respondent_proven": {"type": "boolean"},
        },
    },
    "NewAnswer": {
        "type": "object",
        "required": ["score"],
        "additionalProperties": False,
        "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": 10},
            "lang": {"type": "string", "enum": list(LANGUAGES)},
            "touchpoint": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$"},
            "page_url": {"type": "string", "format": "uri", "maxLength": 2048},
            "respondent": {"type": "string", "minLength": 1, "maxLength": 128},
            "respondent_hash": {"type": "string", "pattern": "^[0-9A-Fa-f]{64}$"},
            "attributes": {
                "type": "object",
                "maxProperties": 20,
                "additionalProperties": {"type": "string", "maxLength": 128},
            },
            "invitation": {
                "type": "string",
                "minLength": 3,
                "maxLength": 80,
                "description": "the hosted page's `i`: answers that e-mail invitation (channel email)",
            },
        },
    },
    "NewInvitations": {
        "type": "object",
        "required": ["contacts"],
        "additionalProperties": False,
        "properties": {
            "contacts": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1000,
                "items": {
                    "type": "object",
                    "required": ["email"],
                    "additionalProperties": False,
                    "properties": {
                        "email": {"type": "string", "format": "email", "maxLength": 254},
                        "name": {"type": "string", "maxLength": 200},
                        "respondent": {"type": "string", "minLength": 1, "maxLength": 128},
                        "lang": {"type": "string", "enum": list(LANGUAGES)},
                        "attributes": {
                            "type": "object",
                            "maxProperties": 20,
                            "additionalProperties": {"type": "string", "maxLength": 128},
                        },
                        "start": {"type": "string", "format": "date"},
                    },
                },
            },
            "touchpoint": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$"},
            "send_at": {"type": "string", "format": "date-time"},
            "reminder_days": {"type": "integer", "minimum": 1, "maximum": 60},
        },
    },
    "Scheduled": {
        "type": "object",
        "required": ["scheduled", "skipped"],
        "properties": {
            "scheduled": {"type": "integer"},
            "skipped": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "email": {"type": "string"},
                        "reason": {"type": "string", "enum": list(values(InvitationSkip))},
                    },
                },
            },
        },
    },
    "AnswerUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": 10},
            "why": {"type": "string", "maxLength": WHY_MAX},
            "consent": {"type": "boolean"},
            "consent_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "display_name": {"type": "string", "maxLength": 80},
            "role": {"type": "string", "maxLength": 120},
            "email": {"type": "string", "format": "email", "maxLength": 254, "nullable": True},
        },
    },
    "Nps": {
        "type": "object",
        "required": ["nps", "total", "promoters", "passives", "detractors", "margin_of_error", "enough_data"],
        "properties": {
            "nps": NULLABLE_INT,
            "total": {"type": "integer"},
            "promoters": {"type": "integer"},
            "passives": {"type": "integer"},
            "detractors": {"type": "integer"},
            "margin_of_error": {"type": "number", "nullable": True},
            "enough_data": {"type": "boolean"},
            "min_sample": {"type": "integer"},
        },
    },
    "Testimonial": {
        "type": "object",
        "required": ["id", "quote", "edited", "score", "featured", "tags"],
        "properties": {
            "id": {"type": "integer"},
            "quote": {"type": "string"},
            "edited": {"type": "boolean"},
            "display_name": NULLABLE_STR,
            "role": NULLABLE_STR,
            "score": {"type": "integer"},
            "lang": {"type": "string"},
            "featured": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "photo_url": NULLABLE_STR,
            "approved_at": NULLABLE_STR,
            "status": {"type": "string"},
            "why": NULLABLE_STR,
            "receipt": {"type": "object", "nullable": True},
        },
    },
    "Testimonials": {
        "type": "object",
        "required": ["testimonials", "next_cursor"],
        "properties": {
            "testimonials": {"type": "array", "items": {"$ref": "#/components/schemas/Testimonial"}},
            "next_cursor": NULLABLE_INT,
            "chosen_from": {"type": "integer"},
        },
    },
    "Stats": {
        "type": "object",
        "required": ["by", "groups", "total"],
        "properties": {
            "by": {"type": "string"},
            "groups": {"type": "array", "items": {"type": "object"}},
            "total": {"type": "object"},
            "scores": {"type": "object"},
        },
    },
}


@cache
def spec() -> dict:
    testimonial_id = {"name": "testimonial_id", "in": "path", "required": True, "schema": ROW}
    response_id = {"name": "response_id", "in": "path", "required": True, "schema": ROW}
    listing = [
        _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
        _query("cursor", ROW),
        _query("tag", {"type": "string", "maxLength": 40}),
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Plaudit API",
            "version": "1",
            "description": "NPS surveys and consented testimonials. "
            "Every error has one shape: {code, status, message, errors}.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/sites/{key}/config": {
                "get": _op(
                    "The widget's texts and settings",
                    _json({"type": "object"}),
                    params=[KEY, ORIGIN, _query("lang", {"type": "string"})],
                )
            },
            "/sites/{key}/responses": {
                "post": _op(
                    "Record a score the moment it is chosen",
                    _json({"$ref": "#/components/schemas/Answer"}, "Created"),
                    params=[KEY, ORIGIN],
                    body={"$ref": "#/components/schemas/NewAnswer"},
                    code="201",
                ),
                "get": _op(
                    "Export the site's answers (owner)",
                    {"description": "CSV or JSON, streamed"},
                    params=[
                        KEY,
                        *FILTERS,
                        _query("category", {"type": "string", "enum": list(CATEGORIES)}),
                        _query("format", {"type": "string", "enum": ["csv", "json"]}),
                        _query("bom", {"type": "boolean", "description": "CSV: start with a UTF-8 byte order mark"}),
                    ],
                    secured=True,
                ),
            },
            "/responses/{response_id}": {
                "patch": _op(
                    "Complete an answer: why, consent, name, contact (bearer token from the creation)",
                    _json({"$ref": "#/components/schemas/Answer"}),
                    params=[response_id, ORIGIN],
                    body={"$ref": "#/components/schemas/AnswerUpdate"},
                    secured=True,
                )
            },
            "/sites/{key}/views": {
                "post": _op(
                    "Count one display of the widget", {"description": "Counted"}, params=[KEY, ORIGIN], code="204"
                )
            },
            "/sites/{key}/nps": {
                "get": _op("The site's NPS", _json({"$ref": "#/components/schemas/Nps"}), params=[KEY])
            },
            "/sites/{key}/testimonials": {
                "get": _op(
                    "Approved testimonials, newest first",
                    _json({"$ref": "#/components/schemas/Testimonials"}),
                    params=[KEY, *listing],
                )
            },
            "/sites/{key}/wall": {
                "get": _op(
                    "What wall.js draws",
                    _json({"type": "object"}),
                    params=[
                        KEY,
                        _query("limit", {"type": "integer", "minimum": 1, "maximum": 50}),
                        _query("tag", {"type": "string", "maxLength": 40}),
                        _query("lang", {"type": "string"}),
                    ],
                )
            },
            "/sites/{key}/stats": {
                "get": _op(
                    "NPS per group (owner)",
                    _json({"$ref": "#/components/schemas/Stats"}),
                    params=[KEY, *FILTERS, _query("by", {"type": "string"})],
                    secured=True,
                )
            },
            "/sites/{key}/invitations": {
                "post": _op(
                    "Invite contacts by e-mail, now or at send_at (owner)",
                    _json({"$ref": "#/components/schemas/Scheduled"}, "Scheduled"),
                    params=[KEY],
                    body={"$ref": "#/components/schemas/NewInvitations"},
                    secured=True,
                    code="202",
                )
            },
            "/moderation/testimonials": {
                "get": _op(
                    "The moderation queue",
                    _json({"$ref": "#/components/schemas/Testimonials"}),
                    params=[
                        *listing,
                        _query("status", {"type": "string"}),
                        _query("site", {"type": "string"}),
                        _query("score", {"type": "integer", "minimum": 0, "maximum": 10}),
                    ],
                    secured=True,
                )
            },
            "/moderation/testimonials/{testimonial_id}/approve": {
                "post": _op(
                    "Approve (a consent receipt is required)",
                    _json({"$ref": "#/components/schemas/Testimonial"}),
                    params=[testimonial_id],
                    secured=True,
                )
            },
            "/moderation/testimonials/{testimonial_id}/reject": {
                "post": _op(
                    "Reject, or take down an approved one",
                    _json({"$ref": "#/components/schemas/Testimonial"}),
                    params=[testimonial_id],
                    secured=True,
                )
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return spec()
