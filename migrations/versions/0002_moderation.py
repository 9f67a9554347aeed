"""moderation

Revision ID: 0002_moderation
Revises: 0001_initial
Create Date: 2026-11-22 22:03:51.781127

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_moderation'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: new columns get server defaults so existing rows stay valid.
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('testimonial_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_audit_event_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_site_created', ['site_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_testimonial_id'), ['testimonial_id'], unique=False)

    op.create_table('testimonial_tag',
    sa.Column('testimonial_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['testimonial_id'], ['testimonial.id'], name=op.f('fk_testimonial_tag_testimonial_id_testimonial'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('testimonial_id', 'tag', name=op.f('pk_testimonial_tag'))
    )
    with op.batch_alter_table('testimonial_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_testimonial_tag_tag'), ['tag'], unique=False)

    with op.batch_alter_table('testimonial', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_quote', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('featured', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('photo', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('consent_text',
               existing_type=sa.Text(),
               nullable=True)
        batch_op.alter_column('consent_version',
               existing_type=sa.Integer(),
               nullable=True)
        batch_op.alter_column('consented_at',
               existing_type=sa.DateTime(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_testimonial_photo'), ['photo'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('testimonial', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_testimonial_photo'), type_='unique')
        batch_op.alter_column('consented_at',
               existing_type=sa.DateTime(),
               nullable=False)
        batch_op.alter_column('consent_version',
               existing_type=sa.Integer(),
               nullable=False)
        batch_op.alter_column('consent_text',
               existing_type=sa.Text(),
               nullable=False)
        batch_op.drop_column('approved_at')
        batch_op.drop_column('photo')
        batch_op.drop_column('featured')
        batch_op.drop_column('original_quote')

    with op.batch_alter_table('testimonial_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_testimonial_tag_tag'))

    op.drop_table('testimonial_tag')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_testimonial_id'))
        batch_op.drop_index('ix_audit_event_site_created')

    op.drop_table('audit_event')
