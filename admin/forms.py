"""Back-office forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
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
from wtforms.validators import URL, DataRequired, EqualTo, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from core.enums import ConsentScope, DigestFrequency, Event, FollowUpStatus, Language, Role, WebhookFormat
from core.i18n import language_name
from core.text import clean_text
from models import MAX_ROW_ID

# Free text in any script: the browser lays out what is typed right to left when it starts so.
TYPED = {"dir": "auto"}


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("New password again", validators=[EqualTo("new", message="The two entries differ.")])


class ActionForm(FlaskForm):
    """A bare POST (approve, reject, feature…): only the CSRF token and where to go back."""

    next = HiddenField()


class QuoteForm(ActionForm):
    quote = TextAreaField("Published words", validators=[DataRequired(), Length(max=2000)], render_kw=TYPED)


class TagsForm(ActionForm):
    tags = StringField("Tags (comma-separated)", validators=[Length(max=400)], render_kw=TYPED)


class PhotoForm(ActionForm):
    photo = FileField("Photo (JPEG, PNG or WebP)", validators=[FileRequired()])


class BulkForm(ActionForm):
    pass


http_url = [
    Optional(),
    URL(require_tld=False, message="An http(s) address."),
    Regexp(r"^https?://", message="Only http(s) addresses."),
    Length(max=500),
]


CONSENT_SCOPE_LABELS = {ConsentScope.PROMOTERS: "promoters only (9–10)", ConsentScope.EVERYONE: "everyone"}
WEBHOOK_FORMAT_LABELS = {WebhookFormat.JSON: "JSON (signed)", WebhookFormat.SLACK: "Slack message"}


class NewSiteForm(FlaskForm):
    name = StringField("Site name", validators=[DataRequired(), Length(max=200)], render_kw=TYPED)
    origins = TextAreaField(
        "Allowed origins, one per line (e.g. https://blog.example)", validators=[DataRequired(), Length(max=4000)]
    )
    default_lang = SelectField(
        "Default language", choices=[SelectChoice(lang.value, language_name(lang)) for lang in Language]
    )


class SettingsForm(NewSiteForm):
    theme_color = StringField(
        "Theme colour", validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message="A colour like #4f46e5.")]
    )
    resurvey_days = IntegerField("Ask the same visitor again after (days)", validators=[NumberRange(min=1, max=3650)])
    min_sample = IntegerField(
        "Responses needed before the NPS is shown publicly", validators=[NumberRange(min=1, max=10000)]
    )
    wall_minimum = IntegerField(
        "Approved testimonials needed before walls show any (below it they show nothing)",
        validators=[NumberRange(min=1, max=1000)],
        default=1,
    )
    consent_scope = RadioField(
        "Ask to publish the words of",
        choices=[SelectChoice(scope.value, CONSENT_SCOPE_LABELS[scope]) for scope in ConsentScope],
    )
    cta_promoter = URLField("Link for promoters (review or referral page)", validators=http_url)
    cta_passive = URLField("Link for passives", validators=http_url)
    cta_detractor = URLField("Link for detractors (e.g. support)", validators=http_url)
    wall_jsonld = BooleanField("Add schema.org review markup to the public wall page")
    thank_promoters = BooleanField(
        _l("E-mail a thank-you to promoters who left an address, once their testimonial is approved")
    )
    consent_en = TextAreaField(
        "Consent text (English; empty for the default)", validators=[Length(max=500)], render_kw=TYPED
    )
    consent_fr = TextAreaField(
        "Consent text (French; empty for the default)", validators=[Length(max=500)], render_kw=TYPED
    )


class EraseForm(FlaskForm):
    site = SelectField("Site", choices=[])
    respondent = StringField("Respondent reference", validators=[Optional(), Length(max=128)], render_kw=TYPED)
    response_id = IntegerField("or response id", validators=[Optional(), NumberRange(min=1, max=MAX_ROW_ID)])
    # A contact invited by e-mail may have no reference: their address names them.
    email = EmailField(_l("or e-mail address"), validators=[Optional(), Length(max=254)])
    confirm = BooleanField("I understand this cannot be undone", validators=[DataRequired()])


class FollowUpForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s.value, s.value) for s in FollowUpStatus])
    notes = TextAreaField("Notes", validators=[Length(max=4000)], render_kw=TYPED)


class WebhookForm(FlaskForm):
    url = URLField("Address (http or https)", validators=[DataRequired(), *http_url[1:]])
    format = SelectField(
        "Format", choices=[SelectChoice(fmt.value, WEBHOOK_FORMAT_LABELS[fmt]) for fmt in WebhookFormat]
    )
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(event.value, event.value) for event in Event],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class NewUserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    # The least power first, so that it is what an inattentive owner grants.
    role = SelectField("Role", choices=[SelectChoice(role.value, role.value) for role in reversed(Role)])
    site = SelectField("Site", choices=[])


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
