"""minutes: the plenary feedback's CRDT state, and a minute-taker link for every meeting

Revision ID: b5e7f1a3c9d2
Revises: b7e4a2c9f1d3
Create Date: 2026-11-29 15:40:00.000000

"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e7f1a3c9d2'
down_revision = 'b7e4a2c9f1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round_table', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_state', sa.LargeBinary(), nullable=True))
    # every meeting already stored gets its minute-taker link (new meetings get one on import)
    bind = op.get_bind()
    tokens = sa.table(
        'access_token',
        sa.column('meeting_id', sa.Integer),
        sa.column('table_number', sa.Integer),
        sa.column('role', sa.String),
        sa.column('token', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    meetings = bind.execute(sa.text('SELECT id FROM meeting')).scalars().all()
    having = set(
        bind.execute(
            sa.text("SELECT meeting_id FROM access_token WHERE role = 'minutes' AND revoked_at IS NULL")
        ).scalars()
    )
    rows = [
        {
            'meeting_id': meeting_id,
            'table_number': None,
            'role': 'minutes',
            'token': secrets.token_urlsafe(24),
            'created_at': datetime.now(UTC),
        }
        for meeting_id in meetings
        if meeting_id not in having
    ]
    if rows:
        op.bulk_insert(tokens, rows)


def downgrade():
    # the minute-taker links stay: an older version never looks them up, and upgrading again keeps them
    with op.batch_alter_table('round_table', schema=None) as batch_op:
        batch_op.drop_column('feedback_state')
