"""tenders: challenges, stages, criteria, documents, supplier profiles, sealed bids and their
documents, clarifications, alerts, partner listings, conflicts, scores, moderation, awards; CPV seed codes

Revision ID: 0015_tenders
Revises: 0014_case_flags
Create Date: 2026-11-28 20:25:55.143412

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_tenders"
down_revision = "0014_case_flags"
branch_labels = None
depends_on = None


CPV_SEED = [
    ('03000000', 'Agricultural, farming, fishing, forestry and related products'),
    ('09000000', 'Petroleum products, fuel, electricity and other sources of energy'),
    ('14000000', 'Mining, basic metals and related products'),
    ('15000000', 'Food, beverages, tobacco and related products'),
    ('16000000', 'Agricultural machinery'),
    ('18000000', 'Clothing, footwear, luggage articles and accessories'),
    ('19000000', 'Leather and textile fabrics, plastic and rubber materials'),
    ('22000000', 'Printed matter and related products'),
    ('24000000', 'Chemical products'),
    ('30000000', 'Office and computing machinery, equipment and supplies except furniture and software packages'),
    ('31000000', 'Electrical machinery, apparatus, equipment and consumables; lighting'),
    ('32000000', 'Radio, television, communication, telecommunication and related equipment'),
    ('33000000', 'Medical equipments, pharmaceuticals and personal care products'),
    ('34000000', 'Transport equipment and auxiliary products to transportation'),
    ('35000000', 'Security, fire-fighting, police and defence equipment'),
    ('37000000', 'Musical instruments, sport goods, games, toys, handicraft, art materials and accessories'),
    ('38000000', 'Laboratory, optical and precision equipments (excl. glasses)'),
    ('39000000', 'Furniture (incl. office furniture), furnishings, domestic appliances (excl. lighting) and cleaning products'),
    ('41000000', 'Collected and purified water'),
    ('42000000', 'Industrial machinery'),
    ('43000000', 'Machinery for mining, quarrying, construction equipment'),
    ('44000000', 'Construction structures and materials; auxiliary products to construction (except electric apparatus)'),
    ('45000000', 'Construction work'),
    ('48000000', 'Software package and information systems'),
    ('50000000', 'Repair and maintenance services'),
    ('51000000', 'Installation services (except software)'),
    ('55000000', 'Hotel, restaurant and retail trade services'),
    ('60000000', 'Transport services (excl. Waste transport)'),
    ('63000000', 'Supporting and auxiliary transport services; travel agencies services'),
    ('64000000', 'Postal and telecommunications services'),
    ('65000000', 'Public utilities'),
    ('66000000', 'Financial and insurance services'),
    ('70000000', 'Real estate services'),
    ('71000000', 'Architectural, construction, engineering and inspection services'),
    ('72000000', 'IT services: consulting, software development, Internet and support'),
    ('73000000', 'Research and development services and related consultancy services'),
    ('75000000', 'Administration, defence and social security services'),
    ('76000000', 'Services related to the oil and gas industry'),
    ('77000000', 'Agricultural, forestry, horticultural, aquacultural and apicultural services'),
    ('79000000', 'Business services: law, marketing, consulting, recruitment, printing and security'),
    ('80000000', 'Education and training services'),
    ('85000000', 'Health and social work services'),
    ('90000000', 'Sewage, refuse, cleaning and environmental services'),
    ('92000000', 'Recreational, cultural and sporting services'),
    ('98000000', 'Other community, social and personal services'),
    ('30200000', 'Computer equipment and supplies'),
    ('34100000', 'Motor vehicles'),
    ('45200000', 'Works for complete or part construction and civil engineering work'),
    ('45400000', 'Building completion work'),
    ('48800000', 'Information systems and servers'),
    ('50700000', 'Repair and maintenance services of building installations'),
    ('55500000', 'Canteen and catering services'),
    ('60100000', 'Road transport services'),
    ('71300000', 'Engineering services'),
    ('72200000', 'Software programming and consultancy services'),
    ('72400000', 'Internet services'),
    ('73200000', 'Research and development consultancy services'),
    ('77300000', 'Horticultural services'),
    ('79400000', 'Business and management consultancy and related services'),
    ('79900000', 'Miscellaneous business and business-related services'),
    ('80500000', 'Training services'),
    ('85300000', 'Social work and related services'),
    ('90500000', 'Refuse and waste related services'),
    ('90700000', 'Environmental services'),
    ('90900000', 'Cleaning and sanitation services'),
    ('92300000', 'Entertainment services'),
    ('98300000', 'Miscellaneous services'),
]


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('tender_cpv_codes',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tender_cpv_codes'))
    )
    # The CPV 2008 divisions and the groups councils buy most (copied here so this migration
    # stays as it is if the module's list changes); the full list loads with `flask cpv import`.
    op.bulk_insert(sa.table("tender_cpv_codes", sa.column("code", sa.String), sa.column("description", sa.String)),
                   [{"code": code, "description": text} for code, text in CPV_SEED])
    op.create_table('tender_settings',
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('standstill_working_days', sa.Integer(), nullable=False),
    sa.Column('bank_holidays', sa.JSON(), nullable=False),
    sa.Column('clarification_days', sa.Integer(), nullable=False),
    sa.Column('late_change_days', sa.Integer(), nullable=False),
    sa.Column('late_change_min_extension_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_tender_settings_council_id_councils'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('council_id', name=op.f('pk_tender_settings'))
    )
    op.create_table('tender_case_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('client', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_case_studies_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_case_studies'))
    )
    with op.batch_alter_table('tender_case_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_case_studies_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('tender_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_certificates_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_certificates'))
    )
    with op.batch_alter_table('tender_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_certificates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('tender_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('problem', sa.JSON(), nullable=False),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('cpv_codes', sa.JSON(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('min_turnover', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('years_of_accounts', sa.Integer(), nullable=True),
    sa.Column('insurance_level', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('total_budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_tender_challenges_council_id_councils')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tender_challenges_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_challenges'))
    )
    with op.batch_alter_table('tender_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_challenges_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_challenges_total_budget'), ['total_budget'], unique=False)

    op.create_table('tender_supplier_profiles',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('policies', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_supplier_profiles_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_tender_supplier_profiles'))
    )
    op.create_table('tender_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cpv_prefix', sa.String(length=8), nullable=False),
    sa.Column('min_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('max_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_tender_alerts_council_id_councils')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tender_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_alerts'))
    )
    with op.batch_alter_table('tender_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_alerts_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_alerts_user_id'), ['user_id'], unique=False)

    op.create_table('tender_challenge_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_challenge_changes_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_challenge_changes'))
    )
    with op.batch_alter_table('tender_challenge_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_challenge_changes_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('tender_challenge_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_challenge_documents_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_challenge_documents'))
    )
    with op.batch_alter_table('tender_challenge_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_challenge_documents_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('tender_clarifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('public_question', sa.Text(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_tender_clarifications_asked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_clarifications_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_clarifications'))
    )
    with op.batch_alter_table('tender_clarifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_clarifications_asked_by_id'), ['asked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_clarifications_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('tender_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_criteria_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_criteria'))
    )
    with op.batch_alter_table('tender_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_criteria_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('tender_interests',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_interests_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tender_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'user_id', name=op.f('pk_tender_interests'))
    )
    with op.batch_alter_table('tender_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_interests_user_id'), ['user_id'], unique=False)

    op.create_table('tender_partner_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('offers', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_partner_listings_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_partner_listings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_partner_listings')),
    sa.UniqueConstraint('challenge_id', 'organisation_id', name=op.f('uq_tender_partner_listings_challenge_id'))
    )
    with op.batch_alter_table('tender_partner_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_partner_listings_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_partner_listings_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('tender_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('feasibility', 'prototype', 'pilot', 'delivery', name='stagekind', native_enum=False, length=20), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('award_count', sa.Integer(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('contract_months', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['tender_challenges.id'], name=op.f('fk_tender_stages_challenge_id_tender_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_stages'))
    )
    with op.batch_alter_table('tender_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_stages_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_stages_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_stages_opened_at'), ['opened_at'], unique=False)

    op.create_table('tender_bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', name='bidstatus', native_enum=False, length=20), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_sha256', sa.String(length=64), nullable=True),
    sa.Column('needs_reconfirmation', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tender_bids_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['stage_id'], ['tender_stages.id'], name=op.f('fk_tender_bids_stage_id_tender_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bids')),
    sa.UniqueConstraint('stage_id', 'organisation_id', name=op.f('uq_tender_bids_stage_id'))
    )
    with op.batch_alter_table('tender_bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_bids_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_bids_stage_id'), ['stage_id'], unique=False)

    op.create_table('tender_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_tender_conflicts_evaluator_id_users')),
    sa.ForeignKeyConstraint(['stage_id'], ['tender_stages.id'], name=op.f('fk_tender_conflicts_stage_id_tender_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_conflicts')),
    sa.UniqueConstraint('stage_id', 'evaluator_id', name=op.f('uq_tender_conflicts_stage_id'))
    )
    with op.batch_alter_table('tender_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_conflicts_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_conflicts_stage_id'), ['stage_id'], unique=False)

    op.create_table('tender_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('standstill_ends_on', sa.Date(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_awards_bid_id_tender_bids')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_tender_awards_contract_id_contracts')),
    sa.ForeignKeyConstraint(['stage_id'], ['tender_stages.id'], name=op.f('fk_tender_awards_stage_id_tender_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_awards')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_tender_awards_bid_id'))
    )
    with op.batch_alter_table('tender_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_awards_stage_id'), ['stage_id'], unique=False)

    op.create_table('tender_bid_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('meta_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_bid_documents_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_documents'))
    )
    with op.batch_alter_table('tender_bid_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_bid_documents_bid_id'), ['bid_id'], unique=False)

    op.create_table('tender_moderated_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_moderated_scores_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['tender_criteria.id'], name=op.f('fk_tender_moderated_scores_criterion_id_tender_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_tender_moderated_scores_moderated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_moderated_scores')),
    sa.UniqueConstraint('bid_id', 'criterion_id', name=op.f('uq_tender_moderated_scores_bid_id'))
    )
    with op.batch_alter_table('tender_moderated_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_moderated_scores_bid_id'), ['bid_id'], unique=False)

    op.create_table('tender_score_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_score_sheets_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_tender_score_sheets_evaluator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_score_sheets')),
    sa.UniqueConstraint('bid_id', 'evaluator_id', name=op.f('uq_tender_score_sheets_bid_id'))
    )
    with op.batch_alter_table('tender_score_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_score_sheets_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_score_sheets_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('tender_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['tender_criteria.id'], name=op.f('fk_tender_scores_criterion_id_tender_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['tender_score_sheets.id'], name=op.f('fk_tender_scores_sheet_id_tender_score_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_scores')),
    sa.UniqueConstraint('sheet_id', 'criterion_id', name=op.f('uq_tender_scores_sheet_id'))
    )
    with op.batch_alter_table('tender_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_scores_sheet_id'), ['sheet_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('tender_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_scores_sheet_id'))

    op.drop_table('tender_scores')
    with op.batch_alter_table('tender_score_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_score_sheets_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_tender_score_sheets_bid_id'))

    op.drop_table('tender_score_sheets')
    with op.batch_alter_table('tender_moderated_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_moderated_scores_bid_id'))

    op.drop_table('tender_moderated_scores')
    with op.batch_alter_table('tender_bid_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bid_documents_bid_id'))

    op.drop_table('tender_bid_documents')
    with op.batch_alter_table('tender_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_awards_stage_id'))

    op.drop_table('tender_awards')
    with op.batch_alter_table('tender_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_conflicts_stage_id'))
        batch_op.drop_index(batch_op.f('ix_tender_conflicts_evaluator_id'))

    op.drop_table('tender_conflicts')
    with op.batch_alter_table('tender_bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bids_stage_id'))
        batch_op.drop_index(batch_op.f('ix_tender_bids_organisation_id'))

    op.drop_table('tender_bids')
    with op.batch_alter_table('tender_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_stages_opened_at'))
        batch_op.drop_index(batch_op.f('ix_tender_stages_deadline'))
        batch_op.drop_index(batch_op.f('ix_tender_stages_challenge_id'))

    op.drop_table('tender_stages')
    with op.batch_alter_table('tender_partner_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_partner_listings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_tender_partner_listings_challenge_id'))

    op.drop_table('tender_partner_listings')
    with op.batch_alter_table('tender_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_interests_user_id'))

    op.drop_table('tender_interests')
    with op.batch_alter_table('tender_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_criteria_challenge_id'))

    op.drop_table('tender_criteria')
    with op.batch_alter_table('tender_clarifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_clarifications_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_tender_clarifications_asked_by_id'))

    op.drop_table('tender_clarifications')
    with op.batch_alter_table('tender_challenge_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_challenge_documents_challenge_id'))

    op.drop_table('tender_challenge_documents')
    with op.batch_alter_table('tender_challenge_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_challenge_changes_challenge_id'))

    op.drop_table('tender_challenge_changes')
    with op.batch_alter_table('tender_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_alerts_user_id'))
        batch_op.drop_index(batch_op.f('ix_tender_alerts_council_id'))

    op.drop_table('tender_alerts')
    op.drop_table('tender_supplier_profiles')
    with op.batch_alter_table('tender_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_challenges_total_budget'))
        batch_op.drop_index(batch_op.f('ix_tender_challenges_council_id'))

    op.drop_table('tender_challenges')
    with op.batch_alter_table('tender_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_certificates_organisation_id'))

    op.drop_table('tender_certificates')
    with op.batch_alter_table('tender_case_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_case_studies_organisation_id'))

    op.drop_table('tender_case_studies')
    op.drop_table('tender_settings')
    op.drop_table('tender_cpv_codes')
    # ### end Alembic commands ###
