"""Back-office forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import re

from babel import Locale
from flask_babel import format_number, get_locale, ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
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
from wtforms import Form as SubForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core import owner_texts
from core.enums import (
    BACK_OFFICE_LANGUAGES,
    Category,
    ConsentScope,
    DigestFrequency,
    Event,
    FollowUpStatus,
    Language,
    Role,
    WebhookFormat,
)
from core.i18n import lazy_gettext as _l
from core.labels import CONSENT_SCOPE, EVENT, FOLLOWUP, LANGUAGE, ROLE, WEBHOOK_FORMAT
from core.nps import CATEGORIES
from core.query_args import LABEL_PATTERN
from core.text import clean_text
from models import MAX_ROW_ID

# Free text in any script: the browser lays out what is typed right to left when it starts so.
TYPED = {"dir": "auto"}


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


def language_in_back_office(lang: str) -> str:
    """A language by its name in the back office's language, as a sentence says it ("French",
    "anglais")."""
    return Locale.parse(lang).get_display_name(get_locale()) or lang


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
    thank_promoters = BooleanField(
        _l("E-mail a thank-you to promoters who left an address, once their testimonial is approved")
    )
    wall_jsonld = BooleanField(_l("Add schema.org review markup to the public wall page"))


class EraseForm(FlaskForm):
    site = SelectField(_l("Site"), choices=[])
    respondent = StringField(_l("Respondent reference"), validators=[Optional(), Length(max=128)], render_kw=TYPED)
    response_id = IntegerField(_l("or response id"), validators=[Optional(), NumberRange(min=1, max=MAX_ROW_ID)])
    # A contact invited by e-mail may have no reference: their address names them.
    email = EmailField(_l("or e-mail address"), validators=[Optional(), Length(max=254)])
    confirm = BooleanField(_l("I understand this cannot be undone"), validators=[DataRequired()])


class FollowUpForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, FOLLOWUP[s]) for s in FollowUpStatus])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)], render_kw=TYPED)


class WebhookForm(FlaskForm):
    # What makes an address acceptable is core.webhooks.new_webhook's to say, for every path.
    url = URLField(_l("Address (http or https)"), validators=[DataRequired()])
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
    # What makes an address acceptable is core.users.new_user's to say, for every path.
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    # The least power first, so that it is what an inattentive owner grants.
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, ROLE[role]) for role in reversed(Role)])
    site = SelectField(_l("Site"), choices=[])


class OwnText:
    """An owner's text: its braces hold only the placeholders it may use ({name})."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self, form, field) -> None:
        wrong = owner_texts.placeholder_problem(self.key, field.data or "")
        if wrong is not None:
            allowed = ", ".join(sorted(owner_texts.allowed_placeholders(self.key)))
            raise ValidationError(
                _l("“%(wrong)s” is not a placeholder: braces may only hold %(allowed)s.", wrong=wrong, allowed=allowed)
            )


def own_text(label, key: str, *, textarea: bool = False):
    """A box for one of the owner's texts; a text area (rows: 2) shows a long default whole."""
    field = TextAreaField if textarea else StringField
    limit = owner_texts.MAX_LENGTH.get(key, owner_texts.DEFAULT_MAX_LENGTH)
    render_kw = {**TYPED, "rows": 2} if textarea else TYPED
    return field(label, validators=[Length(max=limit), OwnText(key)], render_kw=render_kw)


class TouchpointQuestionForm(SubForm):
    touchpoint = StringField(_l("Touchpoint (its data-touchpoint)"), validators=[Length(max=64)])
    question = own_text(_l("Question at this touchpoint"), "question")

    def validate_touchpoint(self, field) -> None:
        label = (field.data or "").strip()
        if not label and (self.question.data or "").strip():
            raise ValidationError(_l("Name the touchpoint this question is asked at."))
        if label and not re.match(LABEL_PATTERN, label):
            raise ValidationError(_l("Letters, digits, space and _ . : / - only."))


# Labels of the texts per category, then of the link shown with its thank-you.
CATEGORY_TEXT_LABELS = {
    Category.PROMOTER: (
        _l("Follow-up question for promoters (9–10)"),
        _l("Thank-you for promoters"),
        _l("Link label for promoters"),
        _l("Link for promoters (review or referral page)"),
    ),
    Category.PASSIVE: (
        _l("Follow-up question for passives (7–8)"),
        _l("Thank-you for passives"),
        _l("Link label for passives"),
        _l("Link for passives"),
    ),
    Category.DETRACTOR: (
        _l("Follow-up question for detractors (0–6)"),
        _l("Thank-you for detractors"),
        _l("Link label for detractors"),
        _l("Link for detractors (e.g. support)"),
    ),
}


class TextsForm(FlaskForm):
    """The texts visitors read in one language (core/owner_texts.py); the links are the same in
    every language. Empty: the default of that language, shown as the placeholder."""

    question = own_text(_l("Question"), "question", textarea=True)
    touchpoints = FieldList(FormField(TouchpointQuestionForm), min_entries=0)
    consent = own_text(_l("Consent text"), "consent", textarea=True)

    def validate_touchpoints(self, field) -> None:
        named = [row for row in field if (row.touchpoint.data or "").strip()]
        if len(named) > owner_texts.MAX_TOUCHPOINTS:
            # A plain string (gettext, not lazy): the list's own errors sit beside its rows' lists.
            most = owner_texts.MAX_TOUCHPOINTS
            raise ValidationError(
                ngettext(
                    "At most %(count)s touchpoint has a question of its own.",
                    "At most %(count)s touchpoints have a question of their own.",
                    most,
                    count=format_number(most),
                )
            )


for _category in CATEGORIES:
    _prompt, _thanks, _cta, _link = CATEGORY_TEXT_LABELS[_category]
    setattr(TextsForm, f"prompt_{_category}", own_text(_prompt, f"prompt_{_category}", textarea=True))
    setattr(TextsForm, f"thanks_{_category}", own_text(_thanks, f"thanks_{_category}", textarea=True))
    setattr(TextsForm, f"cta_{_category}", own_text(_cta, f"cta_{_category}"))
    setattr(TextsForm, f"link_{_category}", URLField(_link, validators=http_url))


DIGEST_LABELS = {
    DigestFrequency.OFF: _l("No digest"),
    DigestFrequency.DAILY: _l("Every day, for the day before"),
    DigestFrequency.WEEKLY: _l("Every Monday, for the week before"),
}


class NotificationForm(FlaskForm):
    """One person's e-mails about one site (core.notifications)."""

    detractor_alert = BooleanField(_l("An alert for each detractor"))
    moderation_alert = BooleanField(_l("An alert when a testimonial waits for moderation"))
    digest = RadioField(
        _l("A digest of the answers"),
        choices=[SelectChoice(f.value, DIGEST_LABELS[f]) for f in DigestFrequency],
        default=DigestFrequency.OFF.value,
    )


class ReplyForm(FlaskForm):
    """The owner's e-mail to a respondent, prefilled from the playbook's draft."""

    # Normalised as every typed text is (core.text) before it is checked: a NUL, or words that are
    # only invisible characters, never reach the outbox.
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(), Length(max=200)],
        filters=[lambda value: clean_text(value or "")],
        render_kw=TYPED,
    )
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=10000)],
        filters=[lambda value: clean_text(value or "", multiline=True)],
        render_kw={**TYPED, "rows": 10},
    )


class InvitationUploadForm(FlaskForm):
    """Contacts to invite (README, "Invitations"): the file, then what every invitation shares."""

    file = FileField(_l("Contacts (CSV: email, name, respondent, lang, start, attr.NAME)"), validators=[FileRequired()])
    touchpoint = StringField(
        _l("Touchpoint label"), validators=[Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9._:-]+$")]
    )
    send_on = DateField(_l("Send on (empty: now)"), validators=[Optional()])
    reminder_days = IntegerField(
        _l("One reminder after (days; empty: none)"), validators=[Optional(), NumberRange(1, 60)]
    )


class InvitationConfirmForm(FlaskForm):
    """The previewed upload, sent back as it was read, to be scheduled."""

    contacts = HiddenField(validators=[DataRequired()])
    touchpoint = HiddenField(validators=[Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9._:-]+$")])
    send_on = HiddenField(validators=[Optional(), Regexp(r"^\d{4}-\d{2}-\d{2}$")])
    reminder_days = HiddenField(validators=[Optional(), Regexp(r"^[1-9][0-9]?$")])


class InvitationSettingsForm(FlaskForm):
    invitation_daily_cap = IntegerField(_l("At most this many e-mails a day"), validators=[NumberRange(1, 100_000)])
    invitation_expiry_days = IntegerField(_l("Links work for (days)"), validators=[NumberRange(1, 365)])
    journey_months = StringField(
        _l("Journey: months after the start date (e.g. 3, 6, 12)"),
        validators=[Optional(), Length(max=100), Regexp(r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$")],
    )
    journey_every_months = IntegerField(
        _l("Journey: and every N months (empty: no)"), validators=[Optional(), NumberRange(1, 60)]
    )
    ask_again_after_resolved_days = IntegerField(
        _l("Ask a detractor again this many days after their follow-up is resolved (empty: never)"),
        validators=[Optional(), NumberRange(1, 365)],
    )
