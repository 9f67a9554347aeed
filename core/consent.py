"""Versioned consent texts: the one place that decides which text a visitor agrees to.

A site's settings have a consent version (`Site.consent_version`); each version has one stored,
immutable text per language (`ConsentText`), exactly as the widget shows it. The widget config
serves that stored text and its version, the widget sends the version back with the consent, and
the receipt keeps the text of the version the visitor was shown — never whatever the settings
say by the time they press Send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text

from core.generation import Memo, changes_site
from core.strings import LANGUAGES, texts_for
from extensions import db
from models import ConsentText, Site, utcnow

# Stored rows never change, so what a process read of a version stays true: the key names the
# site by its key (random, never reused), not by an id a database may hand out again.
_versions = Memo()
_FOREVER = 0

# `INSERT … ON CONFLICT DO NOTHING`, in the syntax SQLite and PostgreSQL share: two processes that
# both find a version without its texts write them once.
_PUBLISH = text(
    "INSERT INTO consent_text (site_id, version, lang, text, created_at) "
    "VALUES (:site_id, :version, :lang, :text, :created_at) ON CONFLICT (site_id, version, lang) DO NOTHING"
).bindparams(bindparam("created_at", type_=ConsentText.__table__.c.created_at.type))


@dataclass(frozen=True)
class Shown:
    """One version's text in one language, as the widget showed it."""

    id: int
    version: int
    lang: str
    text: str


class ConsentChanged(Exception):
    """The version a visitor was shown is not the text the site shows now."""


def rendered(site: Site) -> dict[str, str]:
    """The consent text the site's settings make, per language, its name filled in."""
    return {lang: texts_for(lang, site.name, site.texts)["consent"] for lang in LANGUAGES}


def version_texts(site: Site, version: int) -> dict[str, Shown]:
    """The stored texts of one version of the site's settings, by language; {} if none."""
    key = (site.key, version)
    found = _versions.get(key, _FOREVER)
    if found is None:
        rows = db.session.execute(
            db.select(ConsentText).where(ConsentText.site_id == site.id, ConsentText.version == version)
        ).scalars()
        found = {row.lang: Shown(row.id, row.version, row.lang, row.text) for row in rows}
        if len(found) == len(LANGUAGES):  # complete: it can never change again
            _versions.put(key, _FOREVER, found)
    return found


def current_texts(site: Site) -> dict[str, Shown]:
    """The texts the site shows now. A current version without stored texts (a site from before
    versions were stored, or made by a script) gets them here, from its settings, and that write
    is committed at once: call this before changing anything else in the session."""
    found = version_texts(site, site.consent_version)
    if len(found) < len(LANGUAGES):
        _publish(site, site.consent_version, rendered(site))
        db.session.commit()
        found = version_texts(site, site.consent_version)
    return found


def new_version_if_changed(site: Site, before: dict[str, Shown]) -> bool:
    """After the site's name or texts changed: a new version if what any language would show
    differs from what it showed (`before`, from `current_texts`). The caller commits."""
    after = rendered(site)
    if all(before[lang].text == after[lang] for lang in LANGUAGES):
        return False
    site.consent_version += 1
    _publish(site, site.consent_version, after)
    return True


def agreed_text(site: Site, lang: str, version: int | None, answered_at: datetime) -> tuple[Shown, bool]:
    """The text a visitor agrees to by consenting now, and whether their client confirmed it.

    With the version the widget showed: that version's text, if it is still the text shown in
    that language (a version bumped by the other language's text does not ask again). Raises
    ConsentChanged for a version replaced since, unknown, or of another site or language.

    Without one (a copy of widget.js from before versions were sent, or a script): the text in
    force when the answer was created, which the widget had loaded before; unconfirmed."""
    current = current_texts(site)[lang]
    if version is None:
        return _in_force(site, lang, answered_at) or current, False
    shown = version_texts(site, version).get(lang)
    if shown is None or shown.text != current.text:
        raise ConsentChanged(lang)
    return shown, True


def _in_force(site: Site, lang: str, moment: datetime) -> Shown | None:
    row = db.session.execute(
        db.select(ConsentText)
        .where(ConsentText.site_id == site.id, ConsentText.lang == lang, ConsentText.created_at <= moment)
        .order_by(ConsentText.version.desc())
        .limit(1)
    ).scalar()
    return Shown(row.id, row.version, row.lang, row.text) if row is not None else None


def _publish(site: Site, version: int, texts: dict[str, str]) -> None:
    now = utcnow()
    db.session.execute(
        _PUBLISH,
        [
            {"site_id": site.id, "version": version, "lang": lang, "text": texts[lang], "created_at": now}
            for lang in texts
        ],
        execution_options=changes_site(site.id),
    )
