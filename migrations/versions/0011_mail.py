"""e-mail: the mail outbox and its attempts, notification settings, the suppression list, and the
per-site thank-you to promoters

Revision ID: 0011_mail
Revises: 0009_user_language
Create Date: 2026-12-01 22:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_mail"
down_revision = "0009_user_language"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: new tables only, and one column whose server default (false) keeps every
    # existing site as it was: no e-mail to respondents until an owner turns it on.
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("testimonial_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_mail_message_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_mail_message_site_id_site"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_mail_message_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.create_index("ix_mail_message_due", ["delivered_at", "failed_at", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_message_response_id"), ["response_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_message_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_message_user_id"), ["user_id"], unique=False)
    op.create_table(
        "mail_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mail_message.id"], name=op.f("fk_mail_attempt_mail_id_mail_message"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attempt")),
    )
    with op.batch_alter_table("mail_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_attempt_mail_id"), ["mail_id"], unique=False)
    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("detractor_alert", sa.Boolean(), nullable=False),
        sa.Column("moderation_alert", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=10), nullable=False),
        sa.Column("digest_through", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_notification_setting_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_setting_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "site_id", name=op.f("pk_notification_setting")),
    )
    op.create_table(
        "mail_suppression",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_mail_suppression_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "address_hash", name=op.f("pk_mail_suppression")),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thank_promoters", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("thank_promoters")
    op.drop_table("mail_suppression")
    op.drop_table("notification_setting")
    with op.batch_alter_table("mail_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_attempt_mail_id"))
    op.drop_table("mail_attempt")
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_message_user_id"))
        batch_op.drop_index(batch_op.f("ix_mail_message_site_id"))
        batch_op.drop_index(batch_op.f("ix_mail_message_response_id"))
        batch_op.drop_index("ix_mail_message_due")
    op.drop_table("mail_message")
