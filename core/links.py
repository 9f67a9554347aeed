"""Signed, private links sent to respondents (withdrawing a testimonial)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="plaudit.withdraw")


def withdraw_token(secret_key: str, testimonial_id: int) -> str:
    return _serializer(secret_key).dumps(testimonial_id)


def read_withdraw_token(secret_key: str, token: str) -> int | None:
    try:
        value = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None
