"""e-mail invitations: contacts, their invitations, and the site's sending settings and journey

Revision ID: 0013_invitations
Revises: 0011_mail
Create Date: 2026-12-01 22:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_invitations"
down_revision = "0011_mail"
branch_labels = None
depends_on = None

# Reviewed. New tables, and site columns whose server defaults keep every existing site as it
# was: no journey, no asking again, the default cap and expiry. Plain ADD/DROP COLUMN (SQLite
# 3.35 and later has both), so `site` is not rebuilt.
def site_columns() -> tuple:
    return (
        sa.Column("invitation_daily_cap", sa.Integer(), server_default="200", nullable=False),
        sa.Column("invitation_expiry_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column("journey_months", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("journey_every_months", sa.Integer(), nullable=True),
        sa.Column("ask_again_after_resolved_days", sa.Integer(), nullable=True),
    )


def upgrade():
    for column in site_columns():
        op.add_column("site", column)
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("respondent", sa.String(length=128), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_contact_site_id_site"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("site_id", "email", name="uq_contact_site_email"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_contact_respondent"), "contact", ["respondent"], unique=False)
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint", sa.String(length=64), nullable=True),
        sa.Column("wave", sa.String(length=100), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("send_at", sa.DateTime(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=True),
        sa.Column("repeat_months", sa.Integer(), nullable=True),
        sa.Column("follows_response_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("remind_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("bounced_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_invitation_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["follows_response_id"],
            ["response.id"],
            name=op.f("fk_invitation_follows_response_id_response"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_invitation_response_id_response"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_invitation_site_id_site"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("response_id", name=op.f("uq_invitation_response_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_invitation_due", "invitation", ["sent_at", "cancelled_at", "send_at"], unique=False)
    op.create_index(op.f("ix_invitation_contact_id"), "invitation", ["contact_id"], unique=False)
    op.create_index(op.f("ix_invitation_site_id"), "invitation", ["site_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_invitation_site_id"), table_name="invitation")
    op.drop_index(op.f("ix_invitation_contact_id"), table_name="invitation")
    op.drop_index("ix_invitation_due", table_name="invitation")
    op.drop_table("invitation")
    op.drop_index(op.f("ix_contact_respondent"), table_name="contact")
    op.drop_table("contact")
    for column in reversed(site_columns()):
        op.drop_column("site", column.name)
