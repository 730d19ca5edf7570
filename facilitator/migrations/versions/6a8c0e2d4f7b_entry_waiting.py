"""entry.waiting: a participant's entry in a round with moderation, until the rapporteur approves it

Revision ID: 6a8c0e2d4f7b
Revises: 5f7b9d1c3e6a
Create Date: 2026-12-05 20:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6a8c0e2d4f7b'
down_revision = '5f7b9d1c3e6a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('waiting')
