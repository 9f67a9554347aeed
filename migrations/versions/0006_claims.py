"""versioned consent texts; proven respondent references

Revision ID: 0006_claims
Revises: 0005_rollup_triggers
Create Date: 2026-12-01 19:10:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_claims"
down_revision = "0005_rollup_triggers"
branch_labels = None
depends_on = None

# Reviewed: no consent text is back-filled. Receipts taken before keep their own copy of the
# text and their version number; a site's current version gets its stored texts the first time
# they are read (core/consent.py), from the settings it shows now. Existing answers' references
# were never proven (respondent_proven false), existing receipts never confirmed a version
# (consent_confirmed false): both are what happened. Every existing site gets its own secret.


def upgrade():
    op.create_table(
        "consent_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_consent_text_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_text")),
        sa.UniqueConstraint("site_id", "version", "lang", name=op.f("uq_consent_text_site_id")),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_secret", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    site = sa.table("site", sa.column("id", sa.Integer), sa.column("identity_secret", sa.String))
    for (site_id,) in bind.execute(sa.select(site.c.id)).all():
        bind.execute(site.update().where(site.c.id == site_id).values(identity_secret=secrets.token_hex(32)))
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.alter_column("identity_secret", existing_type=sa.String(length=64), nullable=False)

    # Not in a batch: SQLite adds a column in place, while a batch could copy the table and lose
    # its rollup triggers (0005).
    op.add_column("response", sa.Column("respondent_proven", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("testimonial", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_text_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consent_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_testimonial_consent_text_id_consent_text"),
            "consent_text",
            ["consent_text_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("testimonial", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_testimonial_consent_text_id_consent_text"), type_="foreignkey")
        batch_op.drop_column("consent_confirmed")
        batch_op.drop_column("consent_text_id")
    # SQLite 3.35+ drops a column in place, keeping the table's triggers.
    op.drop_column("response", "respondent_proven")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("identity_secret")
    op.drop_table("consent_text")
