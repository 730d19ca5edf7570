"""round reports: a table's report per round after the first; report versions name their round

Revision ID: 7a1c3e5b9d2f
Revises: 5f7b9d1e3a6c
Create Date: 2026-12-05 23:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a1c3e5b9d2f'
down_revision = '5f7b9d1e3a6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'round_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('table_id', sa.Integer(), nullable=False),
        sa.Column('round_number', sa.Integer(), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.Column('report_state', sa.LargeBinary(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['table_id'], ['round_table.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('table_id', 'round_number'),
    )
    with op.batch_alter_table('round_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_report_table_id'), ['table_id'], unique=False)
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_number', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.drop_column('round_number')
    with op.batch_alter_table('round_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_report_table_id'))
    op.drop_table('round_report')
