"""venue: the author key of an entry, the page the chair's screen shows

Revision ID: b7e4a2c9f1d3
Revises: b7e2a4c6d8f1
Create Date: 2026-11-29 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4a2c9f1d3'
down_revision = 'b7e2a4c6d8f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_key', sa.String(length=64), nullable=True))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screen_page', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('screen_page')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('author_key')
