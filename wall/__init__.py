"""Public social proof: photos today; the wall, badges and share cards build on it."""

from flask import Blueprint

bp = Blueprint("wall", __name__)

from wall import views  # noqa: E402,F401
