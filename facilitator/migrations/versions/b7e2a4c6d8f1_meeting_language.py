"""meeting language

Revision ID: b7e2a4c6d8f1
Revises: a7c3e91b5d20
Create Date: 2026-11-29 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2a4c6d8f1'
down_revision = 'a7c3e91b5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='nl', nullable=False))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('language')
