"""a back-office user's own language

Revision ID: 0009_user_language
Revises: 0008_widget
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_user_language"
down_revision = "0008_widget"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: nullable, so existing users keep following their browser's language.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("language")
