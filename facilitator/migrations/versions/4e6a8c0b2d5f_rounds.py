"""rounds: a meeting's [[rounds]], the round it is in, and the round of every entry

Revision ID: 4e6a8c0b2d5f
Revises: 3d5f7b9c1e4a
Create Date: 2026-12-05 20:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4e6a8c0b2d5f'
down_revision = '3d5f7b9c1e4a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'meeting_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('template', sa.String(length=10), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.Column('visibility', sa.String(length=10), nullable=False),
        sa.Column('moderation', sa.String(length=10), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'number'),
    )
    with op.batch_alter_table('meeting_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_round_meeting_id'), ['meeting_id'], unique=False)
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current_round', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_number', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('round_number')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('current_round')
    with op.batch_alter_table('meeting_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_round_meeting_id'))
    op.drop_table('meeting_round')
