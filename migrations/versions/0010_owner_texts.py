"""the question per touchpoint, per language, that owners write

Revision ID: 0010_owner_texts
Revises: 0009_user_language
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_owner_texts"
down_revision = "0009_user_language"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: an empty map for every existing site, which then asks its one question everywhere.
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("touchpoint_questions", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("touchpoint_questions")
