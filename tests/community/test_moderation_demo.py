"""The demo seeds moderation examples when a moderator exists."""

from __future__ import annotations

from townhall.community.demo import seed_community
from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.models_moderation import Flag
from townhall.core.models import Role


def test_the_demo_pins_locks_flags_and_holds_spam(make_person, moderation_rules):
    for n in range(12):
        make_person(name=f"Customer {n}")
    make_person(name="Sam Staff", employee=True, role=Role.MODERATOR)
    seed_community(3, long_tail=10)
    assert Topic.objects.filter(pinned_at__isnull=False).count() == 1
    assert Topic.objects.filter(locked_at__isnull=False).count() == 1
    assert Flag.objects.filter(member__isnull=False, resolved_at__isnull=True).count() == 1
    assert Reply.objects.filter(moderation=ModerationState.HELD).count() == 1


def test_with_the_spam_check_off_the_demo_hides_its_spam(make_person):
    for n in range(12):
        make_person(name=f"Customer {n}")
    make_person(name="Sam Staff", employee=True, role=Role.MODERATOR)
    seed_community(3, long_tail=10)
    assert Reply.objects.filter(moderation=ModerationState.HIDDEN).count() == 1
    assert not Reply.objects.filter(moderation=ModerationState.VISIBLE, body__contains="casino")
