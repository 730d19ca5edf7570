"""table:ready: since when a table says its report is ready for the report-back

Revision ID: c3d5e7f9a1b2
Revises: b5e7f1a3c9d2
Create Date: 2026-12-05 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'b5e7f1a3c9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round_table', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('round_table', schema=None) as batch_op:
        batch_op.drop_column('ready_at')
