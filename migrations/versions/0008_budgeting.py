"""ward budgets: processes, projects, ballots with their history; wards get a deprivation index

Revision ID: 0008_budgeting
Revises: 0007_timeline
Create Date: 2026-11-28 14:25:58.975944

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_budgeting"
down_revision = "0007_timeline"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('allocation_formula', sa.String(length=20), nullable=True),
    sa.Column('allocation_total', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('ballot_kind', sa.Enum('knapsack', 'approval', name='ballotkind', native_enum=False, length=20), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('utility', sa.String(length=20), nullable=False),
    sa.Column('completion', sa.String(length=10), nullable=False),
    sa.Column('proposals_from', sa.Date(), nullable=False),
    sa.Column('costing_from', sa.Date(), nullable=False),
    sa.Column('voting_from', sa.Date(), nullable=False),
    sa.Column('voting_until', sa.Date(), nullable=False),
    sa.Column('phase_override', sa.Enum('upcoming', 'proposals', 'costing', 'voting', 'counting', 'results', name='phase', native_enum=False, length=20), nullable=True),
    sa.Column('verification', sa.Enum('email', 'polling_card', 'staff', name='verificationmethod', native_enum=False, length=20), nullable=True),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.Column('ballot_file', sa.Text(), nullable=True),
    sa.Column('ballot_file_sha256', sa.String(length=64), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_budget_processes_council_id_councils')),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_budget_processes_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_processes'))
    )
    with op.batch_alter_table('budget_processes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_processes_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_processes_ward_id'), ['ward_id'], unique=False)

    op.create_table('budget_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.Enum('online', 'kiosk', 'paper', 'assisted', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['process_id'], ['budget_processes.id'], name=op.f('fk_budget_ballots_process_id_budget_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ballots')),
    sa.UniqueConstraint('reference', name='uq_budget_ballots_reference')
    )
    with op.batch_alter_table('budget_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_ballots_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_ballots_voter_key'), ['voter_key'], unique=False)
        batch_op.create_index('uq_budget_ballots_current', ['process_id', 'voter_key'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    op.create_table('budget_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'feasible', 'infeasible', name='projectstatus', native_enum=False, length=20), nullable=False),
    sa.Column('feasibility_note', sa.Text(), nullable=False),
    sa.Column('infeasible_reason', sa.Text(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_budget_projects_idea_id_ideas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['budget_processes.id'], name=op.f('fk_budget_projects_process_id_budget_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_projects'))
    )
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_projects_process_id'), ['process_id'], unique=False)

    op.create_table('budget_ballot_choices',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['budget_ballots.id'], name=op.f('fk_budget_ballot_choices_ballot_id_budget_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['budget_projects.id'], name=op.f('fk_budget_ballot_choices_project_id_budget_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'project_id', name=op.f('pk_budget_ballot_choices'))
    )
    op.create_table('budget_paper_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('paper', sa.String(length=40), nullable=False),
    sa.Column('voter_email', sa.String(length=254), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('keyed_by_id', sa.Integer(), nullable=True),
    sa.Column('keyed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['keyed_by_id'], ['users.id'], name=op.f('fk_budget_paper_entries_keyed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['budget_processes.id'], name=op.f('fk_budget_paper_entries_process_id_budget_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_paper_entries')),
    sa.UniqueConstraint('process_id', 'paper', 'keyed_by_id', name=op.f('uq_budget_paper_entries_process_id'))
    )
    with op.batch_alter_table('budget_paper_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_paper_entries_process_id'), ['process_id'], unique=False)

    with op.batch_alter_table('wards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deprivation_index', sa.Numeric(precision=4, scale=3), nullable=True))



def downgrade():
    with op.batch_alter_table('wards', schema=None) as batch_op:
        batch_op.drop_column('deprivation_index')

    op.drop_table('budget_ballot_choices')
    with op.batch_alter_table('budget_paper_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_paper_entries_process_id'))

    op.drop_table('budget_paper_entries')
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_projects_process_id'))

    op.drop_table('budget_projects')
    with op.batch_alter_table('budget_ballots', schema=None) as batch_op:
        batch_op.drop_index('uq_budget_ballots_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_budget_ballots_voter_key'))
        batch_op.drop_index(batch_op.f('ix_budget_ballots_process_id'))

    op.drop_table('budget_ballots')
    with op.batch_alter_table('budget_processes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_processes_ward_id'))
        batch_op.drop_index(batch_op.f('ix_budget_processes_council_id'))

    op.drop_table('budget_processes')
