"""the wall minimum: approved testimonials needed before the walls show any

Revision ID: 0008_widget
Revises: 0007_lifecycle
Create Date: 2026-12-01 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_widget"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: the server default (1) keeps existing sites valid and their walls as they were,
    # except that an empty wall now shows nothing.
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wall_minimum", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("wall_minimum")
