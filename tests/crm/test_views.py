"""The CRM links review page: for community managers; decisions go through the services."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from townhall.core.models import Member, Role
from townhall.core.services.record import ensure_native_member
from townhall.crm.models import Contact, LinkStatus
from townhall.crm.services.imports import import_export
from townhall.crm.services.linking import link_all

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def login(client, *, role):
    user = User.objects.create_user("cm@example.com", "cm@example.com", "pw-12345-long")
    member = ensure_native_member(user, name="Casey")
    Member.objects.filter(pk=member.pk).update(role=role)
    client.force_login(user)


@pytest.fixture
def ambiguous(make_member):
    one = make_member(name="Bo Chen", email="bo@globex.example", source="slack")
    two = make_member(name="B. Chen", email="bo@globex.example", source="discourse")
    import_export("salesforce", FIXTURES / "salesforce")
    link_all()
    return Contact.objects.get(external_id="0035g00000Bo001AAA"), one, two


def test_members_cannot_see_the_review_page(client, ambiguous):
    login(client, role=Role.MEMBER)
    assert client.get("/crm/links/").status_code == 403


def test_manager_sees_the_candidates_and_links_one(
    client, ambiguous, django_assert_max_num_queries
):
    contact, _one, two = ambiguous
    login(client, role=Role.COMMUNITY_MANAGER)
    with django_assert_max_num_queries(12):
        page = client.get("/crm/links/")
    html = page.content.decode()
    assert "bo@globex.example" in html and "Bo Chen" in html and "B. Chen" in html
    response = client.post(f"/crm/links/contact/{contact.pk}/", {"member": two.pk})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.member == two and contact.link_status == LinkStatus.MANUAL
