"""What people read for the values of the closed sets (core/enums.py) and of the audit log: one
translated label per value, in one place, for every page, form and list of the back office.

The values themselves stay as they are wherever a machine reads them (option values, CSV and
JSON exports, webhook payloads, query strings); only what is shown goes through `label`."""

from __future__ import annotations

from core.enums import (
    Category,
    ConsentScope,
    Event,
    FollowUpStatus,
    Language,
    MailKind,
    Role,
    TestimonialStatus,
    WebhookFormat,
)
from core.i18n import language_name
from core.i18n import lazy_gettext as _l

STATUS = {
    TestimonialStatus.PENDING: _l("pending"),
    TestimonialStatus.APPROVED: _l("approved"),
    TestimonialStatus.REJECTED: _l("rejected"),
    TestimonialStatus.WITHDRAWN: _l("withdrawn"),
}
CATEGORY = {
    Category.PROMOTER: _l("promoter"),
    Category.PASSIVE: _l("passive"),
    Category.DETRACTOR: _l("detractor"),
}
# A category as a group of people: headings, columns.
CATEGORY_GROUP = {
    Category.PROMOTER: _l("promoters"),
    Category.PASSIVE: _l("passives"),
    Category.DETRACTOR: _l("detractors"),
}
FOLLOWUP = {
    FollowUpStatus.NEW: _l("new"),
    FollowUpStatus.CONTACTED: _l("contacted"),
    FollowUpStatus.RESOLVED: _l("resolved"),
}
# The lists' own choices beside the statuses (core.query_args.QUEUE_STATUSES, core.followups.LIST_STATUSES).
LIST_CHOICE = {"open": _l("open (not resolved)"), "all": _l("all")}
CONSENT_SCOPE = {ConsentScope.PROMOTERS: _l("promoters only (9–10)"), ConsentScope.EVERYONE: _l("everyone")}
WEBHOOK_FORMAT = {WebhookFormat.JSON: _l("JSON (signed)"), WebhookFormat.SLACK: _l("Slack message")}
ROLE = {Role.OWNER: _l("owner"), Role.MODERATOR: _l("moderator")}
EVENT = {
    Event.RESPONSE_CREATED: _l("new answer"),
    Event.RESPONSE_DETRACTOR: _l("new detractor"),
    Event.TESTIMONIAL_CONSENTED: _l("testimonial offered"),
    Event.TESTIMONIAL_APPROVED: _l("testimonial approved"),
}
MAIL_KIND = {
    MailKind.DETRACTOR_ALERT: _l("detractor alert"),
    MailKind.MODERATION_ALERT: _l("moderation alert"),
    MailKind.DIGEST: _l("digest"),
    MailKind.REPLY: _l("reply"),
    MailKind.THANK_YOU: _l("thank-you"),
    MailKind.INVITATION: _l("invitation"),
    MailKind.REMINDER: _l("reminder"),
}
# Each language by its own name, the same whatever the reader's language.
LANGUAGE = {lang: language_name(lang) for lang in Language}
# The audit log's actions (core.moderation.log's callers); an action not named here shows as stored.
AUDIT_ACTION = {
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "unpublish": _l("unpublished"),
    "withdraw": _l("withdrawn by the respondent"),
    "feature": _l("featured"),
    "unfeature": _l("no longer featured"),
    "edit": _l("words edited"),
    "tags": _l("tags changed"),
    "photo": _l("photo changed"),
    "erase": _l("data erased"),
    "user": _l("user added"),
    "user removed": _l("user removed"),
    "site.created": _l("site created"),
    "settings": _l("settings saved"),
    "identity_secret.rotated": _l("identity secret rotated"),
}

# One value may only ever mean one thing: "all" is "all" in every list that offers it.
_LABELS: dict[str, object] = {}
for _mapping in (
    STATUS,
    CATEGORY,
    FOLLOWUP,
    LIST_CHOICE,
    CONSENT_SCOPE,
    WEBHOOK_FORMAT,
    ROLE,
    EVENT,
    LANGUAGE,
    MAIL_KIND,
):
    for _value, _text in _mapping.items():
        assert _value not in _LABELS, f"{_value!r} has two labels"
        _LABELS[str(_value)] = _text


def label(value: str | None) -> str:
    """The reader's word for a value of a closed set (`pending` → « en attente »); a value no set
    has is shown as it is."""
    if value is None:
        return ""
    return str(_LABELS.get(str(value), value))


def group_label(category: str) -> str:
    """A category as a group of people: « promoteurs »."""
    return str(CATEGORY_GROUP.get(category, category))


def audit_label(action: str) -> str:
    return str(AUDIT_ACTION.get(action, action))
