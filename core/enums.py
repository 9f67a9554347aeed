"""The closed sets of the domain, each defined once (DESIGN rule 17): models, schemas, forms, the
CLI, SQL and what the embeds are sent take their values from here, in this order.

They are StrEnums, so a member is the very string stored, compared and sent ("approved" ==
TestimonialStatus.APPROVED). Python 3.11 refuses `"en" in Language` (TypeError), so membership
of a plain string is checked against `tuple(Language)` (core.strings.LANGUAGES and the like)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """The languages visitors can read (the `visitor` gettext domain): a new one is a member here
    and its catalog, translations/LANG/LC_MESSAGES/visitor.po (README, "Languages"). Codes of
    two letters: the columns that store them are String(2)."""

    EN = "en"
    FR = "fr"
    DE = "de"
    ES = "es"
    IT = "it"
    NL = "nl"
    PT = "pt"
    AR = "ar"


# The back office is translated into these; visitors' surfaces may offer more (Language).
BACK_OFFICE_LANGUAGES = ("en", "fr")


class Category(StrEnum):
    """Where a score puts an answer: promoters 9–10, passives 7–8, detractors 0–6 (core.nps)."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


class TestimonialStatus(StrEnum):
    """Where a testimonial stands; core.moderation.set_status is the only way between them."""

    __test__ = False  # not a pytest test class, whatever its name

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class FollowUpStatus(StrEnum):
    """How far the owner has followed an answer up (PLAYBOOK.md's loop)."""

    NEW = "new"
    CONTACTED = "contacted"
    RESOLVED = "resolved"


class ConsentScope(StrEnum):
    """Whose words the widget asks to publish."""

    PROMOTERS = "promoters"
    EVERYONE = "everyone"


class Event(StrEnum):
    """What a webhook can be told about."""

    RESPONSE_CREATED = "response.created"
    RESPONSE_DETRACTOR = "response.detractor"
    TESTIMONIAL_CONSENTED = "testimonial.consented"
    TESTIMONIAL_APPROVED = "testimonial.approved"


class WebhookFormat(StrEnum):
    """How a webhook's deliveries are written: signed JSON, or a Slack message."""

    JSON = "json"
    SLACK = "slack"


class Channel(StrEnum):
    """How an answer reached Plaudit, decided by the server (api/cors.py), never taken from the
    body: the widget on one of the site's pages, the hosted page (a link or its QR code), or an
    e-mail invitation."""

    WEB = "web"
    LINK = "link"
    EMAIL = "email"


class MailKind(StrEnum):
    """What an e-mail is: alerts and digests for the team, replies and thanks to respondents."""

    DETRACTOR_ALERT = "detractor_alert"
    MODERATION_ALERT = "moderation_alert"
    DIGEST = "digest"
    REPLY = "reply"
    THANK_YOU = "thank_you"
    INVITATION = "invitation"
    REMINDER = "reminder"


class DigestFrequency(StrEnum):
    """How often a team member gets a site's digest."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class InvitationSkip(StrEnum):
    """Why a contact was not invited (the API's `skipped[].reason`, the upload's preview)."""

    UNSUBSCRIBED = "unsubscribed"  # on the site's suppression list, for good
    ANSWERED_RECENTLY = "answered_recently"  # within the site's resurvey interval, any channel
    DUPLICATE = "duplicate"  # the same address twice in one upload or call
    ALREADY_INVITED = "already_invited"  # an invitation to it is still open


class Role(StrEnum):
    """What a back-office user may do: owners everything on their sites, moderators moderate."""

    OWNER = "owner"
    MODERATOR = "moderator"


def values(closed_set: type[StrEnum]) -> tuple[str, ...]:
    """The set's strings, in order, as plain str: for the CLI's choices (click would take an
    Enum's member names), JSON columns and membership tests."""
    return tuple(member.value for member in closed_set)
