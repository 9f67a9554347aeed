"""The back office: login, the moderation queue, and the owners' pages."""

from flask import Blueprint
from flask_babel import get_locale
from jinja2 import pass_context

from core import formats, labels
from core.enums import Channel, values
from core.followups import LIST_STATUSES
from core.followups import STATUSES as FOLLOWUP_STATUSES
from core.nps import CATEGORIES
from core.query_args import QUEUE_STATUSES

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def lock_down(response):
    # Only this origin's own files may run or style the back office, and no page may frame it.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def closed_sets() -> dict:
    # The pages list these sets from their one definition (core/enums.py), never retyped.
    return {
        "categories": CATEGORIES,
        "queue_statuses": QUEUE_STATUSES,
        "followup_statuses": FOLLOWUP_STATUSES,
        "followup_list_statuses": LIST_STATUSES,
        "channels": values(Channel),
    }


def _per_render(function):
    """The filter, run at each rendering: Jinja computes a filter of a constant (`"all"|label`)
    once, when it compiles the template, and would keep the first reader's language for all."""

    @pass_context
    def filtered(context, value, *args, **kwargs):
        return function(value, *args, **kwargs)

    return filtered


# What people read for closed-set values (core.labels), and numbers and dates in their language.
for _name, _filter in {
    **formats.FILTERS,
    "label": labels.label,
    "group_label": labels.group_label,
    "audit_label": labels.audit_label,
}.items():
    bp.add_app_template_filter(_per_render(_filter), _name)


@bp.app_template_global()
def page_locale() -> str:
    """The page's language, for <html lang>: the one its texts were chosen in (error pages of
    an address that matched no view too)."""
    return str(get_locale() or "en")


from admin import auth, insights, invitations, mails, owner, queue, users  # noqa: E402,F401
