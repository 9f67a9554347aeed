"""Back-office forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.enums import BACK_OFFICE_LANGUAGES, ConsentScope, Event, FollowUpStatus, Language, Role, WebhookFormat
from core.labels import CONSENT_SCOPE, EVENT, FOLLOWUP, LANGUAGE, ROLE, WEBHOOK_FORMAT
from models import MAX_ROW_ID

# Free text in any script: the browser lays out what is typed right to left when it starts so.
TYPED = {"dir": "auto"}


# WTForms' own message, translated by WTForms' catalogs (Flask-WTF picks the reader's language),
# so not one of ours to extract.
WTFORMS_INVALID_EMAIL = "Invalid email address."


def email_address(form, field) -> None:
    """One @ between a local part and a domain, as the CLI asks and nothing more (an intranet's
    `alice@corp.local` is an address), said with WTForms' own message in the reader's language."""
    if field.data and not re.fullmatch(r"[^@\s]+@[^@\s]+", field.data.strip()):
        raise ValidationError(field.gettext(WTFORMS_INVALID_EMAIL))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("New password again"), validators=[EqualTo("new", message=_l("The two entries differ."))]
    )


# The user's own language: none follows the browser's (core.i18n.back_office_locale).
BROWSER_LANGUAGE = ""


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Language of the back office"),
        choices=[
            SelectChoice(BROWSER_LANGUAGE, _l("Browser's language (default)")),
            *(SelectChoice(lang, LANGUAGE[lang]) for lang in BACK_OFFICE_LANGUAGES),
        ],
        default=BROWSER_LANGUAGE,
    )


class ActionForm(FlaskForm):
    """A bare POST (approve, reject, feature…): only the CSRF token and where to go back."""

    next = HiddenField()


class QuoteForm(ActionForm):
    quote = TextAreaField(_l("Published words"), validators=[DataRequired(), Length(max=2000)], render_kw=TYPED)


class TagsForm(ActionForm):
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=400)], render_kw=TYPED)


class PhotoForm(ActionForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"), validators=[FileRequired()])


class BulkForm(ActionForm):
    pass


http_url = [
    Optional(),
    URL(require_tld=False, message=_l("An http(s) address.")),
    Regexp(r"^https?://", message=_l("Only http(s) addresses.")),
    Length(max=500),
]


class NewSiteForm(FlaskForm):
    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=200)], render_kw=TYPED)
    origins = TextAreaField(
        _l("Allowed origins, one per line (e.g. https://blog.example)"), validators=[DataRequired(), Length(max=4000)]
    )
    default_lang = SelectField(
        _l("Default language"), choices=[SelectChoice(lang.value, LANGUAGE[lang]) for lang in Language]
    )


class SettingsForm(NewSiteForm):
    theme_color = StringField(
        _l("Theme colour"), validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #4f46e5."))]
    )
    resurvey_days = IntegerField(
        _l("Ask the same visitor again after (days)"), validators=[NumberRange(min=1, max=3650)]
    )
    min_sample = IntegerField(
        _l("Responses needed before the NPS is shown publicly"), validators=[NumberRange(min=1, max=10000)]
    )
    wall_minimum = IntegerField(
        _l("Approved testimonials needed before walls show any (below it they show nothing)"),
        validators=[NumberRange(min=1, max=1000)],
        default=1,
    )
    consent_scope = RadioField(
        _l("Ask to publish the words of"),
        choices=[SelectChoice(scope.value, CONSENT_SCOPE[scope]) for scope in ConsentScope],
    )
    cta_promoter = URLField(_l("Link for promoters (review or referral page)"), validators=http_url)
    cta_passive = URLField(_l("Link for passives"), validators=http_url)
    cta_detractor = URLField(_l("Link for detractors (e.g. support)"), validators=http_url)
    wall_jsonld = BooleanField(_l("Add schema.org review markup to the public wall page"))
    consent_en = TextAreaField(
        _l("Consent text (English; empty for the default)"), validators=[Length(max=500)], render_kw=TYPED
    )
    consent_fr = TextAreaField(
        _l("Consent text (French; empty for the default)"), validators=[Length(max=500)], render_kw=TYPED
    )


class EraseForm(FlaskForm):
    site = SelectField(_l("Site"), choices=[])
    respondent = StringField(_l("Respondent reference"), validators=[Optional(), Length(max=128)], render_kw=TYPED)
    response_id = IntegerField(_l("or response id"), validators=[Optional(), NumberRange(min=1, max=MAX_ROW_ID)])
    confirm = BooleanField(_l("I understand this cannot be undone"), validators=[DataRequired()])


class FollowUpForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, FOLLOWUP[s]) for s in FollowUpStatus])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)], render_kw=TYPED)


class WebhookForm(FlaskForm):
    url = URLField(_l("Address (http or https)"), validators=[DataRequired(), *http_url[1:]])
    format = SelectField(_l("Format"), choices=[SelectChoice(fmt.value, WEBHOOK_FORMAT[fmt]) for fmt in WebhookFormat])
    events = SelectMultipleField(
        _l("Events"),
        choices=[
            SelectChoice(event.value, _l("%(label)s (%(event)s)", label=EVENT[event], event=event.value))
            for event in Event
        ],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address, Length(max=254)])
    # The least power first, so that it is what an inattentive owner grants.
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, ROLE[role]) for role in reversed(Role)])
    site = SelectField(_l("Site"), choices=[])
