"""public surfaces

Revision ID: 0003_public_surfaces
Revises: 0002_moderation
Create Date: 2026-11-22 22:14:30.430576

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_public_surfaces'
down_revision = '0002_moderation'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: server defaults keep existing sites valid.
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wall_jsonld', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('public_version', sa.Integer(), nullable=False, server_default='1'))



def downgrade():
    # Reviewed: server defaults keep existing sites valid.
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('public_version')
        batch_op.drop_column('wall_jsonld')

