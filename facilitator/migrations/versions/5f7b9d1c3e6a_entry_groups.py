"""entry groups: named groups of entries from any tables of a meeting

Revision ID: 5f7b9d1c3e6a
Revises: 4e6a8c0b2d5f
Create Date: 2026-12-05 20:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5f7b9d1c3e6a'
down_revision = '4e6a8c0b2d5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'entry_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('entry_ids', sa.JSON(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'key'),
    )
    with op.batch_alter_table('entry_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_group_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('entry_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_group_meeting_id'))
    op.drop_table('entry_group')
