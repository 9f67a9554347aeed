"""private links by secret; ids never reused on SQLite

Revision ID: 0007_lifecycle
Revises: 0006_claims
Create Date: 2026-12-01 19:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

from models import ANSWER_ROLLUP_TRIGGERS

# revision identifiers, used by Alembic.
revision = "0007_lifecycle"
down_revision = "0006_claims"
branch_labels = None
depends_on = None

# Reviewed. Every existing testimonial gets a random link secret of its own: the links sent before
# (which signed only the row id) stop opening anything, since on SQLite an id could already have
# passed from an erased testimonial to someone else's, and nothing tells those apart.
#
# On SQLite, the tables whose ids leave the database and whose rows erasures delete are rebuilt
# with AUTOINCREMENT (batch mode copies them, ids included, so the sequence starts from the
# highest id there). Dropping the old `response` drops the rollup triggers on it: they are
# created again on the new one. PostgreSQL's sequences never hand out an id twice already.
NEVER_REUSED = ("response", "testimonial", "outbox_event")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild(table: str, autoincrement: bool):
    return op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement})


def upgrade():
    with op.batch_alter_table("testimonial") as batch_op:
        batch_op.add_column(sa.Column("link_secret", sa.String(length=64), nullable=True))
    testimonial = sa.table("testimonial", sa.column("id", sa.Integer), sa.column("link_secret", sa.String))
    bind = op.get_bind()
    for (testimonial_id,) in bind.execute(sa.select(testimonial.c.id)).all():
        bind.execute(
            testimonial.update()
            .where(testimonial.c.id == testimonial_id)
            .values(link_secret=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table("testimonial") as batch_op:
        batch_op.alter_column("link_secret", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_testimonial_link_secret"), ["link_secret"])
    if _is_sqlite():
        for table in NEVER_REUSED:
            with _rebuild(table, autoincrement=True):
                pass
        for statement in ANSWER_ROLLUP_TRIGGERS["sqlite"]:
            op.execute(statement)


def downgrade():
    if _is_sqlite():
        for table in NEVER_REUSED:
            with _rebuild(table, autoincrement=False):
                pass
        for statement in ANSWER_ROLLUP_TRIGGERS["sqlite"]:
            op.execute(statement)
    with op.batch_alter_table("testimonial") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_testimonial_link_secret"), type_="unique")
        batch_op.drop_column("link_secret")
