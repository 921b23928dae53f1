import pytest

from townhall.identity.normalize import (
    github_noreply_login,
    is_placeholder_email,
    is_placeholder_name,
    name_tokens,
    normalize_email,
    normalize_username,
)


def test_names_compare_without_accents_case_order_or_nicknames():
    assert name_tokens("María José García") == name_tokens("garcia, MARIA jose")
    assert name_tokens("Bob Smith") == name_tokens("Robert Smith")
    assert name_tokens("Søren Kierkegaard") == ("kierkegaard", "soren")
    assert name_tokens("Dr. Ana Souza (she/her)") == ("ana", "souza")


def test_emails_are_lowered_and_lose_plus_tags():
    assert normalize_email("Ana.Souza+forum@Acme.IO") == "ana.souza@acme.io"
    assert normalize_email("not an email") == ""


def test_github_noreply_addresses_stand_for_a_login():
    assert github_noreply_login("12345+octo-ana@users.noreply.github.com") == "octo-ana"
    assert github_noreply_login("octo-ana@users.noreply.github.com") == "octo-ana"
    assert github_noreply_login("ana@acme.io") == ""


@pytest.mark.parametrize(
    "email",
    ["root@localhost", "noreply@acme.io", "no-reply@github.com", "admin@acme.io", "x@example.com"],
)
def test_placeholder_emails_are_recognised(email):
    assert is_placeholder_email(email)


@pytest.mark.parametrize(
    "name", ["admin", "Deleted User", "unknown", "[deleted]", "Anonymous", "  "]
)
def test_placeholder_names_are_recognised(name):
    assert is_placeholder_name(name)


def test_usernames_fold_to_letters_and_digits():
    assert normalize_username("@María_García-92") == "mariagarcia92"
