"""Creating an API token: one path, whoever asks (`token create`)."""

from __future__ import annotations

from core.i18n import lazy_gettext as _l
from core.invalid import Invalid
from extensions import db
from models import ApiToken, User, normalise_email


def new_token(email: str) -> tuple[ApiToken, str]:
    """A new token for the user with this e-mail, added to the session, and the plain token,
    which the caller shows once (only its hash is kept). Raises Invalid for an unknown user."""
    user = db.session.execute(db.select(User).filter_by(email=normalise_email(email))).scalar()
    if user is None:
        raise Invalid("email", _l("No user has the e-mail %(email)s.", email=normalise_email(email)))
    row, plain = ApiToken.issue(user)
    db.session.add(row)
    return row, plain
