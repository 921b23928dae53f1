"""The demo community space: every kind, every idea status, solved and unsolved questions."""

from __future__ import annotations

from townhall.community.demo import seed_community
from townhall.community.models import Board, IdeaStatus, Topic, TopicKind, Visibility


def test_seed_community_fills_every_kind_and_status_and_runs_once(make_person):
    for n in range(15):
        make_person(name=f"Customer {n}")
    make_person(name="Sam Staff", employee=True)
    summary = seed_community(3)
    assert summary.topics > 20
    assert set(Topic.objects.values_list("kind", flat=True)) == {k.value for k in TopicKind}
    assert set(Topic.objects.filter(kind="idea").values_list("idea_status", flat=True)) == set(
        IdeaStatus.values
    )
    questions = Topic.objects.filter(kind="question")
    assert questions.filter(solution__isnull=False).exists()
    assert questions.filter(solution__isnull=True).exists()
    assert Topic.objects.filter(official_reply__author__is_employee=True).exists()
    assert Board.objects.filter(visibility=Visibility.EMPLOYEES).exists()
    # The long tail: most questions answered by customers, many solved, viewed and liked.
    assert questions.count() > 100
    solved_share = questions.filter(solution__isnull=False).count() / questions.count()
    assert 0.3 < solved_share < 0.8
    assert questions.filter(view_count__gt=0).count() > 100
    assert len(set(questions.values_list("title", flat=True))) == questions.count()
    before = Topic.objects.count()
    assert seed_community(3).topics == 0 and Topic.objects.count() == before


def test_seed_community_without_employees_seeds_nothing(make_person):
    for n in range(12):
        make_person(name=f"Customer {n}")
    assert seed_community(1).topics == 0
    assert not Board.objects.exists()
