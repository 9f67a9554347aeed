"""initial schema

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-22 21:50:43.215960

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: tables, named constraints and indexes match models.py on SQLite and PostgreSQL.
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('origins', sa.JSON(), nullable=False),
    sa.Column('default_lang', sa.String(length=2), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('consent_version', sa.Integer(), nullable=False),
    sa.Column('cta_urls', sa.JSON(), nullable=False),
    sa.Column('theme_color', sa.String(length=7), nullable=False),
    sa.Column('resurvey_days', sa.Integer(), nullable=False),
    sa.Column('consent_scope', sa.String(length=10), nullable=False),
    sa.Column('min_sample', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('key', name=op.f('uq_site_key'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('all_sites', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('why', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('touchpoint', sa.String(length=64), nullable=True),
    sa.Column('page_url', sa.String(length=2048), nullable=True),
    sa.Column('respondent', sa.String(length=128), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('visitor_hash', sa.String(length=64), nullable=False),
    sa.Column('is_duplicate', sa.Boolean(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_response_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_site_created', ['site_id', 'created_at'], unique=False)
        batch_op.create_index('ix_response_site_respondent', ['site_id', 'respondent'], unique=False)
        batch_op.create_index('ix_response_site_visitor', ['site_id', 'visitor_hash'], unique=False)

    op.create_table('user_site',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_user_site_site_id_site'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_site_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'site_id', name=op.f('pk_user_site'))
    )
    op.create_table('testimonial',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=True),
    sa.Column('role', sa.String(length=120), nullable=True),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_version', sa.Integer(), nullable=False),
    sa.Column('consented_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_testimonial_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_testimonial_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_testimonial')),
    sa.UniqueConstraint('response_id', name=op.f('uq_testimonial_response_id'))
    )
    with op.batch_alter_table('testimonial', schema=None) as batch_op:
        batch_op.create_index('ix_testimonial_site_status', ['site_id', 'status'], unique=False)



def downgrade():
    # Reviewed: tables, named constraints and indexes match models.py on SQLite and PostgreSQL.
    with op.batch_alter_table('testimonial', schema=None) as batch_op:
        batch_op.drop_index('ix_testimonial_site_status')

    op.drop_table('testimonial')
    op.drop_table('user_site')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_site_visitor')
        batch_op.drop_index('ix_response_site_respondent')
        batch_op.drop_index('ix_response_site_created')

    op.drop_table('response')
    op.drop_table('api_token')
    op.drop_table('user')
    op.drop_table('site')
