"""Staff administration: roles, teams and council settings. Every change is audited."""
from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.core.models import Council, CouncillorProfile, Role, Team, User, UserRole
from app.extensions import db


class LastAdminError(ValueError):
    pass


def set_roles(user: User, wanted: set[Role], *, actor: User | None = None) -> None:
    """Grant and revoke roles. An admin cannot remove their own admin role (another admin must),
    so a council can never lock itself out."""
    current = user.roles
    if Role.ADMIN in current and Role.ADMIN not in wanted and actor is not None and actor.id == user.id:
        raise LastAdminError("admins cannot remove their own admin role")
    for role in sorted(wanted - current, key=lambda r: r.value):
        user.role_rows.append(UserRole(role=role))
        audit.record("role.granted", obj=user, details={"role": role.value})
    for role in sorted(current - wanted, key=lambda r: r.value):
        user.role_rows = [r for r in user.role_rows if r.role != role]
        audit.record("role.revoked", obj=user, details={"role": role.value})
    if current != wanted:
        user.session_version += 1  # their next request signs in again, with two-factor if needed
    db.session.commit()


def set_represented_ward(user: User, ward_id: int | None) -> None:
    profile = db.session.get(CouncillorProfile, user.id)
    current = profile.ward_id if profile else None
    if current == ward_id:
        return
    if profile is None:
        profile = CouncillorProfile(user_id=user.id, bio={})
        db.session.add(profile)
    profile.ward_id = ward_id
    audit.record("councillor.ward_set", obj=user, details={"from_ward": current, "to_ward": ward_id})
    db.session.commit()


def set_teams(user: User, wanted: list[Team]) -> None:
    current = {t.id: t for t in user.teams}
    wanted_ids = {t.id for t in wanted}
    for team in wanted:
        if team.id not in current:
            user.teams.append(team)
            audit.record("team.joined", obj=user, details={"team": team.name})
    for team_id, team in current.items():
        if team_id not in wanted_ids:
            user.teams.remove(team)
            audit.record("team.left", obj=user, details={"team": team.name})
    db.session.commit()


def create_team(council: Council, name: str) -> Team | None:
    if db.session.scalar(select(Team.id).where(Team.council_id == council.id, Team.name == name.strip())):
        return None
    team = Team(council_id=council.id, name=name.strip())
    db.session.add(team)
    db.session.flush()
    audit.record("team.created", obj=team, details={"name": team.name})
    db.session.commit()
    return team


def rename_team(team: Team, name: str) -> bool:
    clash = db.session.scalar(select(Team.id).where(Team.council_id == team.council_id, Team.name == name.strip(),
                                                    Team.id != team.id))
    if clash:
        return False
    audit.record("team.renamed", obj=team, details={"from": team.name, "to": name.strip()})
    team.name = name.strip()
    db.session.commit()
    return True


def delete_team(team: Team) -> None:
    audit.record("team.deleted", obj=team, details={"name": team.name, "members": len(team.members)})
    db.session.delete(team)
    db.session.commit()


SETTINGS = ("name_en", "name_cy", "contact_email", "contact_phone", "welsh_required", "pre_election",
            "pre_election_notice")


def update_council(council: Council, values: dict) -> None:
    changes = {}
    for name in SETTINGS:
        if name in values and getattr(council, name) != values[name]:
            changes[name] = {"from": getattr(council, name), "to": values[name]}
            setattr(council, name, values[name])
    if changes:
        audit.record("council.settings_changed", obj=council, council_id=council.id, details=changes)
    db.session.commit()
