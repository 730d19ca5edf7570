"""site settings: what an administrator sets in the app, e.g. whether local passwords may sign in

Revision ID: 3d5f7b9c1e4a
Revises: 2c4e6a8b0d3f
Create Date: 2026-12-05 17:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3d5f7b9c1e4a'
down_revision = '2c4e6a8b0d3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'site_setting',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade():
    op.drop_table('site_setting')
