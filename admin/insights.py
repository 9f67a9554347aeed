"""Owners' insight pages: the dashboard, the follow-up list, a respondent's history, webhooks."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin import bp
from admin.auth import safe_next
from admin.forms import FollowUpForm, WebhookForm
from admin.owner import owned_site_or_404, owner_required
from core import charts, invitations, stats, webhooks
from core.enums import FollowUpStatus
from core.followups import NEXT_STEP, due_by, is_overdue, worklist
from core.invalid import Invalid
from core.query_args import stats_query_args
from core.text import clean_text
from core.themes import top_themes
from extensions import db
from models import OutboxEvent, Response, Webhook, utcnow

FOLLOWUPS_PER_PAGE = 25


def filter_args() -> dict:
    """The page's filters, to carry over into every link (exports, themes, periods)."""
    return {k: v for k, v in request.args.items() if k in ("from", "to", "touchpoint", "page", "channel", "attr") and v}


@bp.get("/sites/<key>/dashboard")
@owner_required
def dashboard(key: str):
    site = owned_site_or_404(key)
    period, filters = stats_query_args.load({**request.args, "by": request.args.get("period", "week")})
    board = stats.dashboard(site, filters, period, request.args.get("segment"))
    return render_template(
        "admin/dashboard.html",
        site=site,
        period=period,
        filters=filter_args(),
        board=board,
        timeline=charts.timeline(board.timeline),
        distribution=charts.distribution(board.distribution),
        touchpoints=charts.segments(board.by_touchpoint),
        pages=charts.segments(board.by_page),
        by_channel=charts.segments(board.by_channel),
        segments=charts.segments(board.by_segment),
        matrix=stats.matrix(board.by_touchpoint),
        themes={c: top_themes(whys) for c, whys in board.whys.items()},
    )


@bp.get("/sites/<key>/followups")
@owner_required
def followups(key: str):
    site = owned_site_or_404(key)
    _, filters = stats_query_args.load(request.args)
    category, status, q = request.args.get("category"), request.args.get("status", "open"), request.args.get("q", "")
    query = worklist(site, filters, category, status, q)
    answers = one_page(query, page_number(), FOLLOWUPS_PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "p"}
    return render_template(
        "admin/followups.html",
        site=site,
        answers=answers,
        page_url=lambda n: url_for("admin.followups", key=site.key, **args, p=n),
        category=category,
        status=status,
        q=q,
        next_step=NEXT_STEP,
        is_overdue=is_overdue,
        due_by=due_by,
        form=FollowUpForm(),
        filters=filter_args(),
    )


def page_number() -> int:
    """`?p=`, the page of a paginated list; not a number of 1 or more is the address's fault."""
    value = request.args.get("p", "1")
    if not value.isdecimal() or not 1 <= int(value) <= 2**31:
        abort(400, description=_("p (the page number) is a whole number from 1."))
    return int(value)


def one_page(query, number: int, per_page: int):
    """That page of the query's rows; past the last page (its answers were just resolved), the
    last page, so that saving a follow-up never lands on an empty list."""
    page = db.paginate(query, page=number, per_page=per_page, error_out=False)
    if page.pages and number > page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


@bp.post("/responses/<id:response_id>/followup")
@owner_required
def update_followup(response_id: int):
    response = db.session.get(Response, response_id) or abort(404)
    owned_site_or_404(response.site.key)  # 403 unless this owner has the site
    form = FollowUpForm()
    if form.validate_on_submit():
        if form.status.data == FollowUpStatus.RESOLVED and response.followup_status != FollowUpStatus.RESOLVED:
            invitations.ask_again_after_resolution(response)  # when the site asks: to see whether it helped
        response.followup_status = form.status.data
        response.owner_notes = clean_text(form.notes.data or "", multiline=True) or None
        response.followed_up_at = utcnow()
        db.session.commit()
        flash(_("Follow-up saved."), "info")
    return redirect(safe_next(request.form.get("next"), "admin.sites"))


@bp.get("/sites/<key>/respondents/<path:reference>")
@owner_required
def respondent(key: str, reference: str):
    site = owned_site_or_404(key)
    answers = (
        db.session.execute(
            db.select(Response)
            .where(Response.site_id == site.id, Response.respondent == reference)
            .order_by(Response.created_at)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/respondent.html", site=site, reference=reference, answers=answers, next_step=NEXT_STEP
    )


@bp.route("/sites/<key>/webhooks", methods=["GET", "POST"])
@owner_required
def site_webhooks(key: str):
    site = owned_site_or_404(key)
    form, secret = WebhookForm(), None
    if form.validate_on_submit():
        try:
            hook = webhooks.new_webhook(site, form.url.data, form.format.data, form.events.data)
        except Invalid as exc:
            form.url.errors.append(exc.message)  # the core's words, as the CLI says them
        else:
            db.session.commit()
            secret = hook.secret
            flash(_("Webhook added. Copy its signing secret now: it is shown once."), "info")
    hooks = (
        db.session.execute(db.select(Webhook).where(Webhook.site_id == site.id).order_by(Webhook.id)).scalars().all()
    )
    recent = (
        db.session.execute(
            db.select(OutboxEvent)
            .join(Webhook)
            .where(Webhook.site_id == site.id)
            .order_by(OutboxEvent.id.desc())
            .limit(50)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/webhooks.html", site=site, form=form, hooks=hooks, recent=recent, secret=secret, user=current_user
    )


@bp.post("/webhooks/<id:webhook_id>/toggle")
@owner_required
def toggle_webhook(webhook_id: int):
    """Pause or resume a webhook (CSRFProtect checks every back-office POST)."""
    hook = db.session.get(Webhook, webhook_id) or abort(404)
    site = owned_site_or_404(hook.site.key)
    hook.active = not hook.active
    db.session.commit()
    return redirect(url_for("admin.site_webhooks", key=site.key))
