"""the answer rollup kept by the database

Revision ID: 0005_rollup_triggers
Revises: 0004_insights
Create Date: 2026-11-23 07:00:00

"""

from alembic import op

from models import ANSWER_ROLLUP_DROPS, ANSWER_ROLLUP_TRIGGERS

# revision identifiers, used by Alembic.
revision = "0005_rollup_triggers"
down_revision = "0004_insights"
branch_labels = None
depends_on = None

# Reviewed: the rollup already holds every answer (0004 filled it; the app kept it since); from
# here on the database keeps it, so the app's own increments go in the same release.


def upgrade():
    for statement in ANSWER_ROLLUP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in ANSWER_ROLLUP_DROPS[op.get_bind().dialect.name]:
        op.execute(statement)
