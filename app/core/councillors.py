"""Councillors and the wards they represent (from their profile, not from where they live)."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from app.core.models import CouncillorProfile, Role, User, UserRole


def ward_councillors(ward_id: int) -> Select:
    """(User, CouncillorProfile) rows for the councillors who represent the ward."""
    return (select(User, CouncillorProfile).join(CouncillorProfile, CouncillorProfile.user_id == User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(CouncillorProfile.ward_id == ward_id, UserRole.role == Role.COUNCILLOR, User.deleted_at.is_(None))
            .order_by(User.display_name))


def councillors_per_ward(council_id: int) -> Select:
    """(ward_id, count) for every ward that has councillors."""
    return (select(CouncillorProfile.ward_id, func.count()).join(User, User.id == CouncillorProfile.user_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.council_id == council_id, UserRole.role == Role.COUNCILLOR, User.deleted_at.is_(None),
                   CouncillorProfile.ward_id.isnot(None))
            .group_by(CouncillorProfile.ward_id))
