"""Creating a back-office user: one set of rules, whether from the CLI (`user create`, `demo`)
or the back office (Users)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from core.enums import Role, values
from core.i18n import lazy_gettext as _l
from core.invalid import Invalid
from extensions import db
from models import Site, User, normalise_email

# One "@" between a local part and a domain, no blank: what can receive a message, give or take
# what only the mail server can tell. `admin@localhost` is an address on a self-hosted machine.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MIN_PASSWORD = 8


def new_user(email: str, role: str, sites: Sequence[Site] = (), password: str | None = None) -> tuple[User, str]:
    """A new user, added to the session, and their password (generated when none is given, to
    be shown once). An owner given no site administers every site; a moderator needs one.
    Raises Invalid, saying what to fix, and adds nothing."""
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise Invalid("email", _l("Not an e-mail address: %(email)s.", email=repr(email)))
    if role not in values(Role):
        raise Invalid("role", _l("The role is one of %(roles)s.", roles=", ".join(values(Role))))
    if role == Role.MODERATOR and not sites:
        raise Invalid("site", _l("A moderator needs at least one site."))
    if password is not None and len(password) < MIN_PASSWORD:
        raise Invalid("password", _l("A password has at least %(count)s characters.", count=MIN_PASSWORD))
    if db.session.execute(db.select(User.id).filter_by(email=email)).first():
        raise Invalid("email", _l("A user with the e-mail %(email)s exists already.", email=email))
    password = password if password is not None else secrets.token_urlsafe(12)
    user = User(email=email, role=role, sites=list(sites), all_sites=role == Role.OWNER and not sites)
    user.set_password(password)
    db.session.add(user)
    return user, password
