"""Every page renders, in the site layout, for the people allowed to see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from townhall.core.models import Organization


def test_home_teaches_what_to_do_when_the_database_is_empty(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing here yet" in html
    assert "townhall ingest" in html and "townhall demo" in html


def test_home_shows_counts_sources_and_the_last_30_days(member_client, community):
    community(3, activities=2)
    html = member_client.get("/").content.decode()
    assert "Community at a glance" in html
    # 3 people merged from 6 imported members, plus the signed-in member.
    assert ">4</a></dd>" in html  # members
    assert "slack" in html and "github" in html
    assert "Activities over the last 30 days" in html
    assert 'role="img"' in html  # the chart
    assert "Most active members" in html and "Person" in html
    assert "Biggest organizations" in html and "Acme" in html


def test_home_hides_people_from_anonymous_visitors(client, community):
    community(2)
    html = client.get("/").content.decode()
    assert "Welcome to" in html
    assert "Person 0" not in html
    assert "Log in to see more" in html


def test_home_says_when_the_last_activity_was_if_the_month_was_quiet(
    member_client, make_record, db
):
    from datetime import UTC, datetime

    from townhall.core.services import ingest

    ingest([make_record(occurred_at=datetime(2020, 5, 4, tzinfo=UTC))])
    html = member_client.get("/").content.decode()
    assert "A quiet month" in html and "4 May 2020" in html


def test_base_layout_has_landmarks_skip_link_and_a_live_messages_region(member_client, db):
    html = member_client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<div id="messages" aria-live="polite">' in html
    assert 'href="/static/web/townhall.css"' in html
    assert 'src="/static/vendor/htmx/htmx.min.js"' in html
    assert "Log out" in html and 'action="/accounts/logout/"' in html


def test_anonymous_visitors_see_log_in_and_sign_up(client, db):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html and 'href="/accounts/signup/"' in html
    assert "Log out" not in html


def test_brand_colour_sets_the_tokens_and_an_invalid_one_falls_back(client, db, settings):
    settings.BRAND_COLOR = "#ffcc00"
    html = client.get("/").content.decode()
    assert "--brand:#ffcc00" in html and "--on-brand:#111318" in html
    settings.BRAND_COLOR = "red;}</style><script>alert(1)</script>"
    html = client.get("/").content.decode()
    assert "<script>alert(1)" not in html
    assert "--brand:#4f46e5" in html


@pytest.mark.parametrize("name", ["members", "organizations"])
def test_directory_pages_ask_anonymous_visitors_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_and_organization_pages_ask_anonymous_visitors_to_log_in(client, community):
    person = community(1)[0]
    for url in (
        reverse("member", args=[person.pk]),
        reverse("organization", args=[person.organization_id]),
    ):
        assert client.get(url).status_code == 302


def test_unknown_member_and_organization_are_404_in_the_site_layout(member_client, db):
    for url in ("/members/999999/", "/organizations/999999/"):
        response = member_client.get(url)
        assert response.status_code == 404


def test_every_page_renders_for_a_member(member_client, community):
    person = community(2)[0]
    organization = Organization.objects.get(domain="acme.io")
    for url in (
        "/",
        "/members/",
        f"/members/{person.pk}/",
        "/organizations/",
        f"/organizations/{organization.pk}/",
    ):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert b"<main" in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
)
def test_account_pages_render(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"<form" in response.content or b"<h1>" in response.content


def test_logout_page_renders_for_a_signed_in_member(member_client):
    response = member_client.get("/accounts/logout/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
