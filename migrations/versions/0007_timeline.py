"""timeline: learning choice, learned topics, alerts sent

Revision ID: 0007_timeline
Revises: 0006_consultations
Create Date: 2026-11-28 13:38:33.403191

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_timeline"
down_revision = "0006_consultations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('timeline_alerts_sent',
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=120), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_timeline_alerts_sent_council_id_councils')),
    sa.PrimaryKeyConstraint('council_id', 'item_key', name=op.f('pk_timeline_alerts_sent'))
    )
    op.create_index(op.f('ix_timeline_alerts_sent_sent_at'), 'timeline_alerts_sent', ['sent_at'], unique=False)
    op.create_table('timeline_learning',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_timeline_learning_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_timeline_learning'))
    )
    op.create_table('timeline_signals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('opens', sa.Integer(), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_timeline_signals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_timeline_signals'))
    )


def downgrade():
    op.drop_table('timeline_signals')
    op.drop_table('timeline_learning')
    op.drop_index(op.f('ix_timeline_alerts_sent_sent_at'), table_name='timeline_alerts_sent')
    op.drop_table('timeline_alerts_sent')
