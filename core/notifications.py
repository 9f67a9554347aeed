"""What the team hears by e-mail, per person and per site (their choice on the back office's
Notifications page): an alert for each detractor, an alert when a testimonial waits for
moderation, and a daily or weekly digest. Without a choice made, owners get the detractor alert
and nothing else; moderators get nothing.

Detractor alerts and digests carry the site's answers and figures, which only owners see in the
back office: they go to owners only. Moderation alerts go to whoever moderates the site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from core import mail
from core.enums import BACK_OFFICE_LANGUAGES, Category, DigestFrequency, MailKind, TestimonialStatus
from core.followups import overdue_count
from core.nps import Change, Summary, change
from core.stats import Filters, totals
from extensions import db
from models import MailMessage, NotificationSetting, Response, Site, Testimonial, User, user_site, utcnow

# The newest detractors a digest quotes; the others are counted, and a link lists them all.
DIGEST_QUOTES = 5


def preferences(user: User, site: Site) -> NotificationSetting:
    """The person's choice for the site, or (not yet saved) the defaults."""
    setting = db.session.get(NotificationSetting, (user.id, site.id))
    if setting is None:
        setting = NotificationSetting(
            user_id=user.id,
            site_id=site.id,
            detractor_alert=user.is_owner,
            moderation_alert=False,
            digest=DigestFrequency.OFF.value,
        )
    return setting


def save_preferences(user: User, site: Site, detractor_alert: bool, moderation_alert: bool, digest: str) -> None:
    """The caller commits."""
    setting = preferences(user, site)
    setting.detractor_alert = detractor_alert and user.is_owner
    setting.moderation_alert = moderation_alert
    setting.digest = digest if user.is_owner else DigestFrequency.OFF.value
    db.session.add(setting)


def team(site: Site) -> list[User]:
    """Everyone who works on the site: those given it, and owners of every site."""
    given = db.select(user_site.c.user_id).where(user_site.c.site_id == site.id)
    query = db.select(User).where(User.all_sites | User.id.in_(given)).order_by(User.id)
    return list(db.session.execute(query).scalars())


def _wants(user: User, site: Site, kind: str) -> bool:
    if not user.can_access(site):
        return False
    setting = preferences(user, site)
    if kind == MailKind.DETRACTOR_ALERT:
        return user.is_owner and setting.detractor_alert
    if kind == MailKind.MODERATION_ALERT:
        return setting.moderation_alert
    return user.is_owner and setting.digest != DigestFrequency.OFF


def team_lang(user: User, site: Site) -> str:
    """A team member's e-mails speak their back-office language, else the site's, else English."""
    for lang in (user.language, site.default_lang):
        if lang in BACK_OFFICE_LANGUAGES:
            return lang
    return "en"


def _grace() -> int:
    # The webhooks' grace period: a visitor still moving along the scale, or writing their
    # "why", is reported once, as they left it.
    return current_app.config.get("PLAUDIT_WEBHOOK_GRACE_SECONDS", 30)


def alert_detractor(site: Site, response_id: int) -> None:
    """A new answer that may be a detractor's (checked again when the alert is written, after
    the grace period). The caller commits, with the answer."""
    for user in team(site):
        if _wants(user, site, MailKind.DETRACTOR_ALERT):
            mail.queue(
                site, MailKind.DETRACTOR_ALERT, user.email, team_lang(user, site), user=user, response_id=response_id,
                delay=_grace(),
            )  # fmt: skip


def alert_moderation(testimonial: Testimonial) -> None:
    """A testimonial now waits for moderation. The caller commits."""
    site = testimonial.site
    for user in team(site):
        if _wants(user, site, MailKind.MODERATION_ALERT):
            mail.queue(
                site, MailKind.MODERATION_ALERT, user.email, team_lang(user, site), user=user,
                response_id=testimonial.response_id, testimonial_id=testimonial.id, delay=_grace(),
            )  # fmt: skip


def _recipient(message: MailMessage) -> User | None:
    """The team member, if the message is still one they want (they may have turned it off, or
    lost the site, since it was written)."""
    user = db.session.get(User, message.user_id)
    return user if user is not None and _wants(user, message.site, message.kind) else None


def write_detractor_alert(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    response = db.session.get(Response, message.response_id)
    if response is None or response.category != Category.DETRACTOR or _recipient(message) is None:
        return None
    site = message.site
    answer_url = url_for("admin.answer", response_id=response.id, _external=True)
    text, html = mail.render(
        "mail/detractor_alert", message.lang, site=site, response=response, answer_url=answer_url,
        unsubscribe_url=unsubscribe_url,
    )  # fmt: skip
    with force_locale(message.lang):
        subject = _(
            "Detractor %(score)s/10 on %(site)s: contact them within a week", score=response.score, site=site.name
        )
    return mail.Written(subject, text, html)


def write_moderation_alert(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    testimonial = db.session.get(Testimonial, message.testimonial_id)
    if testimonial is None or testimonial.status != TestimonialStatus.PENDING or _recipient(message) is None:
        return None
    site = message.site
    # The queue's page that starts at this testimonial (its cursor lists ids below the one given).
    queue_url = url_for(
        "admin.queue", site=site.key, cursor=testimonial.id + 1, _anchor=f"t-{testimonial.id}", _external=True
    )
    text, html = mail.render(
        "mail/moderation_alert", message.lang, site=site, testimonial=testimonial, queue_url=queue_url,
        unsubscribe_url=unsubscribe_url,
    )  # fmt: skip
    with force_locale(message.lang):
        subject = _("A testimonial waits for moderation on %(site)s", site=site.name)
    return mail.Written(subject, text, html)


def period_ending(today: date, frequency: str) -> tuple[date, date]:
    """The last whole period before today: yesterday, or last week (Monday to Sunday)."""
    if frequency == DigestFrequency.DAILY:
        day = today - timedelta(days=1)
        return day, day
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def queue_due_digests(today: date | None = None) -> int:
    """Write the digests whose period is over (the worker calls this each round; tests pass the
    day). Each is given to one worker by a conditional update of `digest_through`, in the same
    transaction as the message. How many were written."""
    today = today or utcnow().date()
    rows = db.session.execute(
        db.select(NotificationSetting).where(NotificationSetting.digest != DigestFrequency.OFF)
    ).scalars()
    written = 0
    for setting in list(rows):
        start, end = period_ending(today, setting.digest)
        if setting.digest_through is not None and setting.digest_through >= end:
            continue
        user, site = db.session.get(User, setting.user_id), db.session.get(Site, setting.site_id)
        if not _wants(user, site, MailKind.DIGEST):
            continue
        taken = db.session.execute(
            db.update(NotificationSetting)
            .where(
                NotificationSetting.user_id == setting.user_id,
                NotificationSetting.site_id == setting.site_id,
                NotificationSetting.digest_through.is_(None) | (NotificationSetting.digest_through < end),
            )
            .values(digest_through=end)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            params = {"start": start.isoformat(), "end": end.isoformat(), "frequency": setting.digest}
            mail.queue(site, MailKind.DIGEST, user.email, team_lang(user, site), user=user, params=params)
            written += 1
        db.session.commit()
    return written


@dataclass(frozen=True)
class Digest:
    start: date
    end: date
    summary: Summary
    previous: Summary
    change: Change | None
    detractors: list[Response]
    overdue: int
    waiting: int


def digest(site: Site, start: date, end: date, now: datetime | None = None) -> Digest:
    """The period's figures, counted as the dashboard counts them (core.stats) for the same dates."""
    days = (end - start).days + 1
    before_end = start - timedelta(days=1)
    summary, _distribution = totals(site, Filters(start=start, end=end))
    previous, _distribution = totals(site, Filters(start=before_end - timedelta(days=days - 1), end=before_end))
    detractors = db.session.execute(
        db.select(Response)
        .where(
            Response.site_id == site.id,
            Response.category == Category.DETRACTOR,
            Response.is_duplicate.is_(False),
            Response.created_at >= datetime.combine(start, datetime.min.time()),
            Response.created_at < datetime.combine(end + timedelta(days=1), datetime.min.time()),
        )
        .order_by(Response.created_at.desc())
        .limit(DIGEST_QUOTES)
    ).scalars()
    waiting = db.session.execute(
        db.select(db.func.count())
        .select_from(Testimonial)
        .where(Testimonial.site_id == site.id, Testimonial.status == TestimonialStatus.PENDING)
    ).scalar_one()
    return Digest(
        start, end, summary, previous, change(previous, summary), list(detractors), overdue_count(site, now), waiting
    )


def write_digest(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    if _recipient(message) is None:
        return None
    site = message.site
    start, end = date.fromisoformat(message.params["start"]), date.fromisoformat(message.params["end"])
    figures = digest(site, start, end)
    links = {
        "dashboard": url_for(
            "admin.dashboard",
            key=site.key,
            period="day",
            _external=True,
            **{"from": start.isoformat(), "to": end.isoformat()},
        ),
        "followups": url_for("admin.followups", key=site.key, _external=True),
        "queue": url_for("admin.queue", site=site.key, _external=True),
        "answer": lambda r: url_for("admin.answer", response_id=r.id, _external=True),
    }
    text, html = mail.render(
        "mail/digest", message.lang, site=site, d=figures, links=links, frequency=message.params["frequency"],
        unsubscribe_url=unsubscribe_url,
    )  # fmt: skip
    with force_locale(message.lang):
        if start == end:
            subject = _("%(site)s on %(day)s: the day's answers", site=site.name, day=start.isoformat())
        else:
            subject = _(
                "%(site)s, %(start)s to %(end)s: the week's answers",
                site=site.name, start=start.isoformat(), end=end.isoformat(),
            )  # fmt: skip
    return mail.Written(subject, text, html)
