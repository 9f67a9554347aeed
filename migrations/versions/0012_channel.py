"""the channel of each answer: web (the widget), link (the hosted page), email (invitations)

Revision ID: 0012_channel
Revises: 0009_user_language
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_channel"
down_revision = "0011_mail"
branch_labels = None
depends_on = None

# Reviewed. Every answer so far came through the widget on a site's page: the server default
# "web" says so for the existing rows. Plain ADD/DROP COLUMN (SQLite 3.35 and later has both), not a
# batch rebuild, so the rollup triggers on `response` and its AUTOINCREMENT stay as they are.


def upgrade():
    op.add_column("response", sa.Column("channel", sa.String(length=10), server_default="web", nullable=False))


def downgrade():
    op.drop_column("response", "channel")
