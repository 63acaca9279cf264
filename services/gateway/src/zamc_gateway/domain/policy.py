"""Who may do what: the ONE place roles and API-key scopes are turned into permissions.

Every endpoint asks `can(principal.role, Action.X)` through `api.deps.require(Action.X)`;
no router or service function compares roles itself.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"
    viewer = "viewer"


class ApiKeyScope(StrEnum):
    read = "read"
    write = "write"


class Action(StrEnum):
    read = "read"  # see anything of the organization
    write_resources = "write_resources"  # projects, briefs, strategies, deployments, campaigns, assets
    manage_members = "manage_members"
    manage_api_keys = "manage_api_keys"
    manage_connections = "manage_connections"
    grant_owner = "grant_owner"


_EVERYONE = frozenset(Role)
_WRITERS = frozenset({Role.owner, Role.admin, Role.member})
_ADMINS = frozenset({Role.owner, Role.admin})

POLICY: dict[Action, frozenset[Role]] = {
    Action.read: _EVERYONE,
    Action.write_resources: _WRITERS,
    Action.manage_members: _ADMINS,
    Action.manage_api_keys: _ADMINS,
    Action.manage_connections: _ADMINS,
    Action.grant_owner: frozenset({Role.owner}),
}

# An API key acts with the rights of a role: read keys see, write keys also change resources.
# Neither manages members, keys or platform connections.
API_KEY_ROLE: dict[ApiKeyScope, Role] = {ApiKeyScope.read: Role.viewer, ApiKeyScope.write: Role.member}


def can(role: Role, action: Action) -> bool:
    return role in POLICY[action]


def may_grant(granter: Role, role: Role) -> bool:
    """Admins manage members up to admin; only owners make owners."""
    return can(granter, Action.manage_members) and (role != Role.owner or can(granter, Action.grant_owner))
