"""Account verbs: linking a login to a Member, roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from townhall.core.services.record import ensure_native_member


@transaction.atomic
def attach_member(user: AbstractBaseUser, *, name: str = "") -> object:
    """Give a new login its Member (and community identity), creating them once."""
    return ensure_native_member(user, name=name)
