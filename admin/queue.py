"""The moderation queue: read each testimonial with its score, "why" and consent receipt, and act."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from admin import bp
from admin.auth import safe_next
from admin.forms import ActionForm, BulkForm, PhotoForm, QuoteForm, TagsForm
from core import moderation
from core.images import ImageRejected
from core.photos import accepts_photo, replace_photo
from core.queries import moderation_page, visible_sites
from core.query_args import moderation_query_args
from extensions import db
from models import MAX_ROW_ID, Site, Testimonial

ACTIONS = {
    "approve": moderation.approve,
    "reject": moderation.reject,
    "unpublish": moderation.unpublish,
    "feature": lambda t, actor: moderation.set_featured(t, True, actor),
    "unfeature": lambda t, actor: moderation.set_featured(t, False, actor),
}


def actor() -> str:
    return f"user {current_user.id} <{current_user.email}>"


def testimonial_or_404(testimonial_id: int) -> Testimonial:
    testimonial = db.session.get(Testimonial, testimonial_id) or abort(404)
    if not current_user.can_access(testimonial.site):
        abort(403)
    return testimonial


DONE = {
    "approve": _l("Approved: it is published now."),
    "reject": _l("Rejected: it is not shown anywhere."),
    "unpublish": _l("Unpublished: it is back in the queue."),
    "feature": _l("Featured: it comes first on the walls."),
    "unfeature": _l("No longer featured."),
}


def apply(change, *args, done: object = None) -> None:
    """Run one moderation change and say what it did; a refused one is said, not raised."""
    try:
        change(*args)
        db.session.commit()
    except moderation.ModerationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        if done:
            flash(str(done), "info")


def back(form) -> object:
    return redirect(safe_next(form.next.data))


@bp.get("/")
@login_required
def queue():
    args = moderation_query_args.load(request.args)
    sites = visible_sites(current_user)
    site_choices = (
        sites if sites is not None else db.session.execute(db.select(Site).order_by(Site.name)).scalars().all()
    )
    if "site" in args:
        sites = [s for s in site_choices if s.key == args["site"]] or abort(404)
    rows, cursor = moderation_page(sites, args)
    return render_template(
        "admin/queue.html",
        testimonials=rows,
        cursor=cursor,
        args=args,
        sites=site_choices,
        action_form=ActionForm(),
        quote_form=QuoteForm(),
        tags_form=TagsForm(),
        photo_form=PhotoForm(),
        bulk_form=BulkForm(),
    )


@bp.post("/testimonials/<id:testimonial_id>/<any(approve, reject, unpublish, feature, unfeature):action>")
@login_required
def act(testimonial_id: int, action: str):
    form = ActionForm()
    if form.validate_on_submit():
        apply(ACTIONS[action], testimonial_or_404(testimonial_id), actor(), done=DONE[action])
    return back(form)


@bp.post("/testimonials/<id:testimonial_id>/quote")
@login_required
def edit_quote(testimonial_id: int):
    form = QuoteForm()
    testimonial = testimonial_or_404(testimonial_id)
    if form.validate_on_submit():
        apply(moderation.edit_quote, testimonial, form.quote.data, actor())
    else:
        flash(_("A testimonial needs 1 to 2000 characters."), "error")
    return back(form)


@bp.post("/testimonials/<id:testimonial_id>/tags")
@login_required
def edit_tags(testimonial_id: int):
    form = TagsForm()
    testimonial = testimonial_or_404(testimonial_id)
    if form.validate_on_submit():
        apply(lambda: moderation.set_tags(testimonial, moderation.parse_tags(form.tags.data or ""), actor()))
    return back(form)


@bp.post("/testimonials/<id:testimonial_id>/photo")
@accepts_photo
@login_required
def upload_photo(testimonial_id: int):
    form = PhotoForm()
    testimonial = testimonial_or_404(testimonial_id)
    try:
        if not form.validate_on_submit():
            raise ImageRejected(_("Choose a JPEG, PNG or WebP photo to upload."))
        replace_photo(testimonial, form.photo.data, actor())
        flash(_("Photo saved."), "info")
    except ImageRejected as exc:
        flash(str(exc), "error")
    return back(form)


@bp.post("/testimonials/bulk-approve")
@login_required
def bulk_approve():
    form = BulkForm()
    if form.validate_on_submit():
        # ASCII digits only ("²" is a digit to str.isdigit, not to int()), and ids a row can have.
        ids = [int(i) for i in request.form.getlist("ids") if i.isascii() and i.isdigit() and 0 < int(i) <= MAX_ROW_ID]
        testimonials = [testimonial_or_404(i) for i in ids]
        apply(lambda: [moderation.approve(t, actor()) for t in testimonials])
    return back(form)
