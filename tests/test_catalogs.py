"""The gettext catalogs are complete and faithful: every text marked in the code has a
translation in every language of its domain (the back office's in BACK_OFFICE_LANGUAGES, the
visitors' in every Language), with the same placeholders and all of its language's plural forms
(CLDR's), and every compiled catalog is the one its .po file gives."""

from __future__ import annotations

import glob
import os
import re
import subprocess

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from core.enums import BACK_OFFICE_LANGUAGES, Language, values
from core.i18n import DOMAINS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGS = sorted(glob.glob(os.path.join(ROOT, "translations", "*", "LC_MESSAGES", "*.po")))
# %(name)s for gettext's own formatting, {name} for what the widget or the code fills in later.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def _language(path: str) -> str:
    return path.split(os.sep)[-3]


def _domain(path: str) -> str:
    return os.path.basename(path)[: -len(".po")]


def _name(path: str) -> str:
    return f"{_language(path)}-{_domain(path)}"


def _read(path: str):
    with open(path, "rb") as f:
        return read_po(f, locale=_language(path))


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What the code and templates mark for translation today, extracted as `make messages` does."""
    folder = tmp_path_factory.mktemp("pot")
    subprocess.run(["make", "-s", "--no-print-directory", "pot", f"POT_DIR={folder}"], cwd=ROOT, check=True)
    extracted = {}
    for domain in DOMAINS:
        with open(folder / f"{domain}.pot", "rb") as f:
            extracted[domain] = {message.id for message in read_po(f) if message.id}
    return extracted


def test_every_language_has_its_catalogs():
    """English is the source; every other language of a domain has that domain's catalog, and no
    catalog exists for a language its domain does not offer."""
    have = {(_language(path), _domain(path)) for path in CATALOGS}
    wanted = {(lang, "messages") for lang in BACK_OFFICE_LANGUAGES if lang != "en"}
    wanted |= {(lang, "visitor") for lang in values(Language) if lang != "en"}
    assert have == wanted


def test_the_two_domains_share_no_text(extracted):
    """Each text is in one domain, so the merged translations cannot disagree on it."""
    assert not extracted["messages"] & extracted["visitor"]


@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_catalog_has_every_marked_text_and_no_other(path, extracted):
    catalog = {message.id for message in _read(path) if message.id}
    marked = extracted[_domain(path)]
    assert not marked - catalog, f"missing from {_name(path)} (run `make messages`, then translate)"
    assert not catalog - marked, f"no longer in the code: {catalog - marked} (run `make messages`)"


@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_every_message_is_translated_with_its_placeholders(path):
    catalog = _read(path)
    plurals = get_plural(_language(path)).num_plurals
    assert catalog.num_plurals == plurals, "the Plural-Forms header must be CLDR's for the language"
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _ids(message), _strings(message)
        assert "fuzzy" not in message.flags, f"{message.id!r} is marked fuzzy: review it"
        assert all(s.strip() for s in strings), f"{message.id!r} has no translation"
        if len(ids) > 1:
            assert len(strings) == plurals, f"{message.id!r} needs {plurals} plural forms"
        wanted = {frozenset(PLACEHOLDER.findall(source)) for source in ids}
        for string in strings:
            # A plural form may leave the number out ("un avis"), never invent or lose a name.
            found = set(PLACEHOLDER.findall(string))
            assert any(found <= w and w - found <= {"%(count)s", "%(num)s", "%(num)d"} for w in wanted), (
                f"{message.id!r}: placeholders {sorted(found)} differ from the source's"
            )


@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_compiled_catalog_is_current(path):
    compiled = path[: -len(".po")] + ".mo"
    assert os.path.exists(compiled) and os.path.getmtime(compiled) >= os.path.getmtime(path), "run `make catalogs`"


def test_a_changed_translation_changes_every_etag(tmp_path):
    """Public answers are cached by ETag: new words in a catalog must reach visitors at the deploy."""
    from flask import Flask

    from core.http_cache import build_id

    for folder in ("templates", "static", "translations/de/LC_MESSAGES"):
        (tmp_path / folder).mkdir(parents=True)
    app = Flask("probe", root_path=str(tmp_path), static_folder=str(tmp_path / "static"))
    compiled = tmp_path / "translations/de/LC_MESSAGES/visitor.mo"
    compiled.write_bytes(b"Senden")
    before = build_id(app)
    compiled.write_bytes(b"Absenden")
    assert build_id(app) != before


def test_the_default_texts_come_from_the_catalogs(app):
    """core.strings.DEFAULTS[lang][key] and default_text(key, lang): every key in every language,
    with `{name}` still in place, translated (a language showing the English question is not)."""
    from core.strings import DEFAULTS, TEXT_KEYS, default_text

    with app.test_request_context():
        assert list(DEFAULTS) == list(values(Language))
        english = DEFAULTS["en"]
        assert english["question"] == "How likely are you to recommend {name} to a friend or colleague?"
        assert (
            DEFAULTS["fr"]["consent"] == "J'accepte que {name} publie ma réponse, avec le nom ci-dessous, sur son site."
        )
        assert default_text("send", "de") == "Senden" and default_text("radio_label", "ar") == "{n} من 10"
        for lang in values(Language):
            texts = DEFAULTS[lang]
            assert set(texts) == TEXT_KEYS and "{name}" in texts["question"]
            if lang != "en":
                assert texts["question"] != english["question"] and texts["send"] != english["send"], lang
        with pytest.raises(KeyError):
            DEFAULTS["zh"]
