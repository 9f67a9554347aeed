"""The unsubscribe link of every e-mail (RFC 8058). A POST unsubscribes: the one a mail program
sends from its own button (`List-Unsubscribe=One-Click`, no session, no CSRF token), or the
page's button. A GET only shows that button, since mail scanners follow every link."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import force_locale

from core import mail
from extensions import csrf, db
from widget import bp


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the mail program's POST carries no token; the link's signature is the proof
def unsubscribe(token: str):
    what = mail.unsubscribe_target(token) or abort(404, description="This unsubscribe link is not valid.")
    if request.method == "POST":
        mail.unsubscribe(what)
        db.session.commit()
    with force_locale(what.get("l", "en")):
        page = render_template(
            "public/unsubscribe.html", token=token, lang=what.get("l"), done=request.method == "POST"
        )
    return page, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
