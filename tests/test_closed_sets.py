"""Each closed set is defined once (DESIGN rule 17), in core/enums.py, and what lists it (models,
schemas, forms, the CLI, the OpenAPI document, the pages) takes it from there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.enums import (
    Category,
    Channel,
    ConsentScope,
    DigestFrequency,
    Event,
    FollowUpStatus,
    Language,
    MailKind,
    Role,
    TestimonialStatus,
    WebhookFormat,
)
from core.enums import values as values_of

ROOT = Path(__file__).resolve().parent.parent
CLOSED_SETS = (
    Language,
    Category,
    TestimonialStatus,
    FollowUpStatus,
    ConsentScope,
    Event,
    WebhookFormat,
    Role,
    Channel,
    MailKind,
    DigestFrequency,
    Channel,
)
# Frozen history and the tests themselves (which spell values out on purpose) are not the app.
NOT_THE_APP = {".venv", ".git", "tests", "migrations", "instance"}


def app_files(pattern: str) -> list[Path]:
    return [path for path in sorted(ROOT.rglob(pattern)) if not NOT_THE_APP & set(path.relative_to(ROOT).parts)]


def retyped(strings: list[str]) -> list[str]:
    """The closed sets a literal list spells out whole."""
    return [s.__name__ for s in CLOSED_SETS if set(values_of(s)) <= set(strings)]


def python_retypings(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            found += [f"{path.relative_to(root)}:{node.lineno} retypes {name}" for name in retyped(strings)]
    return found


JINJA_SEQUENCE = re.compile(r"[\[(]\s*(\"[^\"]*\"(?:\s*,\s*\"[^\"]*\")+)\s*,?\s*[\])]")


def template_retypings(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for match in JINJA_SEQUENCE.finditer(path.read_text(encoding="utf-8")):
        strings = re.findall(r'"([^"]*)"', match.group(1))
        found += [f"{path.relative_to(root)} retypes {name}: {match.group(0)}" for name in retyped(strings)]
    return found


def test_no_module_spells_out_a_closed_set_again():
    files = [p for p in app_files("*.py") if p != ROOT / "core" / "enums.py"]
    assert len(files) > 50  # the walk found the app
    assert [found for path in files for found in python_retypings(path)] == []


def test_no_template_spells_out_a_closed_set():
    files = app_files("*.html")
    assert files
    assert [found for path in files for found in template_retypings(path)] == []


def test_the_checks_see_a_retyped_set(tmp_path):
    # The checks above must be able to fail: a tuple and a Jinja list that spell a set out.
    module, page = tmp_path / "m.py", tmp_path / "p.html"
    module.write_text(f"LANGS = {values_of(Language)!r}\nONE = ['pending']\n")
    page.write_text('{% for s in ("new", "contacted", "resolved") %}{% if s in ("pending", "approved") %}')
    assert [name for name in retyped([*values_of(Language), "x"])] == ["Language"]
    assert python_retypings(module, tmp_path) == ["m.py:1 retypes Language"]
    assert len(template_retypings(page, tmp_path)) == 1 and "FollowUpStatus" in template_retypings(page, tmp_path)[0]


def choices_of(validators) -> tuple:
    from marshmallow import validate

    validators = validators if isinstance(validators, list) else [validators]
    return next(tuple(v.choices) for v in validators if isinstance(v, validate.OneOf))


def test_schemas_allow_the_sets_values():
    from api.schemas import response_create
    from core.query_args import export_query_args, moderation_query_args

    assert choices_of(response_create.fields["lang"].validators) == values_of(Language)
    assert choices_of(moderation_query_args.fields["status"].validators) == (*values_of(TestimonialStatus), "all")
    assert choices_of(export_query_args.fields["category"].validators) == values_of(Category)


@pytest.mark.parametrize(
    ("form", "field", "closed_set"),
    [
        ("NewSiteForm", "default_lang", Language),
        ("SettingsForm", "consent_scope", ConsentScope),
        ("FollowUpForm", "status", FollowUpStatus),
        ("WebhookForm", "format", WebhookFormat),
        ("WebhookForm", "events", Event),
    ],
)
def test_form_choices_are_the_sets_values(form, field, closed_set):
    import admin.forms

    choices = getattr(getattr(admin.forms, form), field).kwargs["choices"]
    assert tuple(choice.value for choice in choices) == values_of(closed_set)


def test_the_role_choices_are_the_roles_least_power_first():
    from admin.forms import NewUserForm

    assert [choice.value for choice in NewUserForm.role.kwargs["choices"]] == [Role.MODERATOR, Role.OWNER]


def test_the_cli_offers_the_sets_values(app):
    commands = app.cli.commands

    def choices(group: str, command: str, option: str) -> tuple:
        [param] = [p for p in commands[group].commands[command].params if p.name == option]
        assert all(type(choice) is str for choice in param.type.choices)  # click would show an Enum's names
        return tuple(param.type.choices)

    assert choices("site", "create", "lang") == values_of(Language)
    assert choices("user", "create", "role") == values_of(Role)
    assert choices("webhook", "add", "fmt") == values_of(WebhookFormat)
    assert choices("webhook", "add", "events") == values_of(Event)


def test_models_default_to_members_of_the_sets(app):
    from models import Response, Site, Testimonial, Webhook

    assert Site.__table__.c.default_lang.default.arg in values_of(Language)
    assert Site.__table__.c.consent_scope.default.arg in values_of(ConsentScope)
    assert Response.__table__.c.followup_status.default.arg in values_of(FollowUpStatus)
    assert Testimonial.__table__.c.status.default.arg in values_of(TestimonialStatus)
    assert Webhook.__table__.c.format.default.arg in values_of(WebhookFormat)
    assert Webhook.EVENTS == values_of(Event) and Testimonial.STATUSES == tuple(TestimonialStatus)


def test_the_openapi_document_lists_the_sets_values(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["NewAnswer"]["properties"]["lang"]["enum"] == list(values_of(Language))
    assert schemas["Answer"]["properties"]["category"]["enum"] == list(values_of(Category))
