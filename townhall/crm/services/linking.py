"""Linking CRM records to the community: contacts to Members, accounts to Organizations.

Contacts link by email: the addresses of a member's identities and their primary
email, compared in lower case. One member with the address → linked automatically;
several (the same address on two people who are not merged) → *ambiguous*, with the
candidates kept for review. Accounts link by web domain to the organization with that
domain; failing that, by name (`Globex Corp.` = `@globex`), which is never certain
enough to link alone, so it is queued for review too. Decisions made by hand — a
manual link, or "not this one" — are never overwritten by automatic linking.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from townhall.core.models import Identity, Member, Organization, Role
from townhall.core.services.ingest import FREEMAIL_DOMAINS, organization_key
from townhall.crm.models import Account, Contact, LinkStatus

#: Statuses automatic linking may change.
AUTOMATIC = (LinkStatus.UNLINKED, LinkStatus.AUTO, LinkStatus.AMBIGUOUS)


@dataclass
class LinkSummary:
    contacts_linked: int = 0
    contacts_ambiguous: int = 0
    contacts_unlinked: int = 0
    accounts_linked: int = 0
    accounts_ambiguous: int = 0
    accounts_unlinked: int = 0


def can_link(member: Member | None) -> bool:
    """Community managers and admins decide which CRM record is whom."""
    if member is None:
        return False
    return member.has_role(Role.COMMUNITY_MANAGER) or bool(member.user and member.user.is_superuser)


@transaction.atomic
def link_all() -> LinkSummary:
    """Link every contact and account that no person has decided about."""
    summary = LinkSummary()
    _link_contacts(summary)
    _link_accounts(summary)
    return summary


def _members_by_email() -> dict[str, set[int]]:
    emails: dict[str, set[int]] = defaultdict(set)
    identities = Identity.objects.exclude(email="").filter(member__merged_into__isnull=True)
    for email, member_id in identities.values_list("email", "member_id").iterator():
        emails[email.lower()].add(member_id)
    live = Member.objects.exclude(primary_email="").filter(merged_into__isnull=True)
    for email, member_id in live.values_list("primary_email", "pk").iterator():
        emails[email.lower()].add(member_id)
    return emails


def _link_contacts(summary: LinkSummary) -> None:
    emails = _members_by_email()
    updates = []
    contacts = Contact.objects.filter(link_status__in=AUTOMATIC)
    for contact in contacts.only("pk", "email", "member_id", "link_status").iterator():
        candidates = sorted(emails.get(contact.email.lower(), ())) if contact.email else []
        if len(candidates) == 1:
            contact.member_id, contact.link_status, contact.link_candidates = (
                candidates[0],
                LinkStatus.AUTO,
                [],
            )
            summary.contacts_linked += 1
        elif candidates:
            contact.member_id, contact.link_status, contact.link_candidates = (
                None,
                LinkStatus.AMBIGUOUS,
                candidates,
            )
            summary.contacts_ambiguous += 1
        else:
            contact.member_id, contact.link_status, contact.link_candidates = (
                None,
                LinkStatus.UNLINKED,
                [],
            )
            summary.contacts_unlinked += 1
        updates.append(contact)
    Contact.objects.bulk_update(
        updates, ["member", "link_status", "link_candidates"], batch_size=1000
    )


def _link_accounts(summary: LinkSummary) -> None:
    by_domain: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for pk, domain, name in Organization.objects.values_list("pk", "domain", "name"):
        if domain:
            by_domain[domain.lower()].append(pk)
        if key := organization_key(name):
            by_name[key].append(pk)
    updates = []
    for account in Account.objects.filter(link_status__in=AUTOMATIC).iterator():
        domain = account.domain if account.domain not in FREEMAIL_DOMAINS else ""
        exact = by_domain.get(domain, []) if domain else []
        named = by_name.get(organization_key(account.name), [])
        if len(exact) == 1:
            account.organization_id, account.link_status, account.link_candidates = (
                exact[0],
                LinkStatus.AUTO,
                [],
            )
            summary.accounts_linked += 1
        elif exact or named:
            account.organization_id, account.link_status = None, LinkStatus.AMBIGUOUS
            account.link_candidates = sorted(set(exact) | set(named))
            summary.accounts_ambiguous += 1
        else:
            account.organization_id, account.link_status, account.link_candidates = (
                None,
                LinkStatus.UNLINKED,
                [],
            )
            summary.accounts_unlinked += 1
        updates.append(account)
    Account.objects.bulk_update(
        updates, ["organization", "link_status", "link_candidates"], batch_size=1000
    )


def _check(by: Member) -> None:
    if not can_link(by):
        raise PermissionDenied("only community managers and admins link CRM records")


@transaction.atomic
def link_contact(contact: Contact, member: Member | None, *, by: Member) -> None:
    """Link a contact to a member by hand (None: "none of them"); automatic linking
    will not change it again."""
    _check(by)
    contact.member = member
    contact.link_status = LinkStatus.MANUAL if member else LinkStatus.REJECTED
    contact.link_candidates = []
    contact.save(update_fields=["member", "link_status", "link_candidates", "updated_at"])


@transaction.atomic
def link_account(account: Account, organization: Organization | None, *, by: Member) -> None:
    """Link an account to an organization by hand (None: "none of them")."""
    _check(by)
    account.organization = organization
    account.link_status = LinkStatus.MANUAL if organization else LinkStatus.REJECTED
    account.link_candidates = []
    account.save(update_fields=["organization", "link_status", "link_candidates", "updated_at"])


@transaction.atomic
def reset_link(record: Contact | Account, *, by: Member) -> None:
    """Undo a decision made by hand: the record goes back to automatic linking."""
    _check(by)
    record.link_status = LinkStatus.UNLINKED
    record.save(update_fields=["link_status", "updated_at"])
