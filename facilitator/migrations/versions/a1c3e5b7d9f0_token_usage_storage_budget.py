"""token usage: the storage budget per join link

Revision ID: a1c3e5b7d9f0
Revises: 12d23237d2ef
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5b7d9f0'
down_revision = '12d23237d2ef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('token_usage',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('previous_events', sa.Integer(), nullable=False),
    sa.Column('previous_bytes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['access_token.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id')
    )


def downgrade():
    op.drop_table('token_usage')
