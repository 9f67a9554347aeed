"""`GET /healthz`: 200 when the app and its database answer, 503 otherwise."""

from flask import Blueprint, abort
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        abort(503, description="The database is not answering.")
    return {"status": "ok"}
