from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from townhall.core.models import Organization, Role
from townhall.crm.models import Account, Contact, LinkStatus
from townhall.crm.services.imports import import_export
from townhall.crm.services.linking import link_account, link_all, link_contact, reset_link

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_member):
    member = make_member(name="Casey Manager")
    member.role = Role.COMMUNITY_MANAGER
    member.save()
    return member


def test_contacts_link_to_the_member_with_their_email_case_insensitively(make_member):
    ana = make_member(name="Ana O.", email="ana.oliveira@acme.example", source="github")
    import_export("salesforce", FIXTURES / "salesforce")
    summary = link_all()
    contact = Contact.objects.get(external_id="0035g00000Ana01AAA")
    assert contact.member == ana and contact.link_status == LinkStatus.AUTO
    assert summary.contacts_linked == 1 and summary.contacts_unlinked == 2


def test_an_email_on_two_people_is_ambiguous_and_kept_for_review(make_member):
    one = make_member(name="Bo Chen", email="bo@globex.example", source="slack")
    two = make_member(name="B. Chen", email="bo@globex.example", source="discourse")
    import_export("salesforce", FIXTURES / "salesforce")
    summary = link_all()
    bo = Contact.objects.get(external_id="0035g00000Bo001AAA")
    assert bo.member is None and bo.link_status == LinkStatus.AMBIGUOUS
    assert bo.link_candidates == sorted([one.pk, two.pk])
    assert summary.contacts_ambiguous == 1


def test_accounts_link_by_domain_and_name_matches_wait_for_review():
    acme = Organization.objects.create(name="Acme", domain="acme.example")
    globex = Organization.objects.create(name="@globex")  # from a GitHub company field
    import_export("salesforce", FIXTURES / "salesforce")
    link_all()
    assert Account.objects.get(name="Acme Robotics").organization == acme
    account = Account.objects.get(name="Globex Corporation")
    assert account.organization is None and account.link_status == LinkStatus.AMBIGUOUS
    assert account.link_candidates == [globex.pk]


def test_decisions_by_hand_survive_automatic_linking(make_member, manager):
    ana = make_member(name="Ana", email="ana.oliveira@acme.example")
    other = make_member(name="Ana Other")
    import_export("salesforce", FIXTURES / "salesforce")
    link_all()
    contact = Contact.objects.get(external_id="0035g00000Ana01AAA")
    link_contact(contact, other, by=manager)
    link_all()
    contact.refresh_from_db()
    assert contact.member == other and contact.link_status == LinkStatus.MANUAL
    link_contact(contact, None, by=manager)  # "none of them"
    link_all()
    contact.refresh_from_db()
    assert contact.member is None and contact.link_status == LinkStatus.REJECTED
    reset_link(contact, by=manager)
    link_all()
    contact.refresh_from_db()
    assert contact.member == ana and contact.link_status == LinkStatus.AUTO


def test_only_community_managers_link_by_hand(make_member):
    someone = make_member(name="Someone")
    import_export("salesforce", FIXTURES / "salesforce")
    account = Account.objects.first()
    with pytest.raises(PermissionDenied):
        link_account(account, None, by=someone)
