"""The one error of the creation paths (core.sites.new_site, core.users.new_user,
core.tokens.new_token, core.webhooks.new_webhook): what was refused, and which field to fix.
Each caller answers it in its own kind — the CLI as a usage error naming its option, the back
office as the form field's error — with the same words, so the same input is refused the same
way wherever it is typed."""

from __future__ import annotations


class Invalid(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message
