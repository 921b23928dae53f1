"""Profile cross-links: normalising them, and resolution treating them as strong evidence."""

import pytest

from townhall.core.models import Identity
from townhall.core.records import Person
from townhall.core.services import ingest
from townhall.identity.links import own_key, profile_key
from townhall.identity.profiles import AccountFacts
from townhall.identity.resolve import resolve
from townhall.identity.services import resolve_identities

counter = iter(range(1, 10_000))


def account(source, external_id, *, username="", name="", url="", links=(), email=""):
    return AccountFacts(
        next(counter),
        source,
        external_id,
        username=username,
        email=email,
        name=name,
        first_seen=20000.0,
        last_seen=20100.0,
        url=url,
        links=tuple(links),
    )


def together(resolution, a, b):
    return resolution.group_of[a.member_id] == resolution.group_of[b.member_id]


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("https://twitter.com/Ana_Dev", "x:ana_dev"),
        ("http://x.com/ana_dev/", "x:ana_dev"),
        ("https://mobile.twitter.com/ana_dev?lang=en", "x:ana_dev"),
        ("@Ana_Dev", "x:ana_dev"),
        ("https://github.com/AnaSouza", "github:anasouza"),
        ("https://stackoverflow.com/users/22656/ana-souza", "se:stackoverflow.com/22656"),
        ("https://math.stackexchange.com/users/55", "se:math.stackexchange.com/55"),
        ("https://www.Ana-Souza.dev/", "site:ana-souza.dev"),
        ("ana-souza.dev/blog#top", "site:ana-souza.dev/blog"),
        ("https://www.linkedin.com/in/ana-souza/", "site:linkedin.com/in/ana-souza"),
    ],
)
def test_links_normalise_to_one_key_however_they_are_written(link, key):
    assert profile_key(link) == key


@pytest.mark.parametrize(
    "link",
    [
        "https://github.com",
        "https://github.com/orgs/acme",
        "https://github.com/ana/some-repo",
        "https://www.linkedin.com/",
        "https://twitter.com/home",
        "http://localhost:8000/me",
        "https://example.com",
        "http://192.168.1.10/",
        "mailto:ana@gmail.com",
        "ana@gmail.com",
        "none",
        "",
    ],
)
def test_placeholder_links_name_no_one(link):
    assert profile_key(link) == ""


def test_an_account_is_named_by_its_url_or_else_its_source_and_username():
    assert own_key("github", "whatever", "https://github.com/AnaSouza") == "github:anasouza"
    assert own_key("twitter", "@ana_dev", "") == "x:ana_dev"
    assert own_key("slack", "ana", "") == ""


def test_a_github_account_naming_an_x_handle_merges_with_that_x_account():
    # Nothing else ties them: different usernames, a lone first name on X.
    github = account(
        "github",
        "583231",
        username="asouza-dev",
        name="Ana Souza",
        url="https://github.com/asouza-dev",
        links=["https://x.com/anacodes"],
    )
    x = account("x", "9001", username="AnaCodes", name="Ana", url="https://x.com/AnaCodes")
    other = account("x", "9002", username="anacodez", name="Ana")
    resolution = resolve([github, x, other])
    assert together(resolution, github, x)
    assert not together(resolution, github, other)
    merge = resolution.merges[0]
    assert "a profile links the other's, or both link the same" in merge.pair.features.describe()


def test_a_stack_exchange_profile_linking_a_github_account_merges_with_it():
    se = account(
        "stackexchange",
        "22656",
        name="Bo Chen",
        url="https://stackoverflow.com/users/22656/bo-chen",
        links=["https://github.com/bchen42"],
    )
    github = account("github", "77", username="bchen42", url="https://github.com/bchen42")
    assert together(resolve([se, github]), se, github)


def test_two_accounts_stating_one_personal_site_merge():
    forum = account("discourse", "5", username="kw", name="K. Wiśniewska", links=["kasia.dev"])
    github = account(
        "github", "6", username="kwis", name="Katarzyna Wisniewska", links=["https://kasia.dev/"]
    )
    assert together(resolve([forum, github]), forum, github)


def test_a_company_blog_many_employees_list_joins_none_of_them():
    blog = "https://blog.acme.io"
    people = [
        account("github", "1", username="asouza", name="Ana Souza", links=[blog]),
        account("github", "2", username="bchen", name="Bo Chen", links=[blog]),
        account("discourse", "3", username="carla", name="Carla Diaz", links=[blog]),
    ]
    resolution = resolve(people)
    assert len(set(resolution.group_of.values())) == len(people)


def test_a_link_to_someone_elses_profile_goes_to_review_not_to_a_merge():
    # Ana links her company's X account; the names say two different parties.
    github = account(
        "github", "1", username="asouza", name="Ana Souza", links=["https://x.com/acmehq"]
    )
    x = account("x", "2", username="acmehq", name="Acme Incorporated")
    resolution = resolve([github, x])
    assert not together(resolution, github, x)
    assert [(s.a, s.b) for s in resolution.suggestions] == [(github.member_id, x.member_id)]


def test_a_link_does_not_join_two_accounts_on_one_source():
    old = account("github", "1", username="ana-old", name="Ana Souza", links=["@anacodes"])
    new = account("github", "2", username="ana-new", name="Ana Souza", links=["@anacodes"])
    resolution = resolve([old, new])
    assert not together(resolution, old, new)


def test_a_link_respects_not_same_person_decisions():
    github = account("github", "1", username="asouza", name="Ana Souza", links=["@anacodes"])
    x = account("x", "2", username="anacodes", name="Ana Souza")
    low, high = sorted((github.member_id, x.member_id))
    resolution = resolve([github, x], not_same={(low, high)})
    assert not together(resolution, github, x)


def test_placeholder_links_never_join_people():
    a = account("github", "1", username="asouza", name="Ana Souza", links=["https://github.com"])
    b = account("discourse", "2", username="bo", name="Bo", links=["https://github.com/"])
    c = account("x", "3", username="carla", name="Carla", links=["http://localhost"])
    d = account("discourse", "4", username="dev", name="Dev", links=["http://localhost"])
    resolution = resolve([a, b, c, d])
    assert len(set(resolution.group_of.values())) == 4


def test_links_stored_by_ingest_merge_the_accounts_they_name(db, make_record):
    github = Person(
        external_id="583231",
        username="asouza-dev",
        name="Ana Souza",
        url="https://github.com/asouza-dev",
        links=["https://x.com/AnaCodes"],
    )
    x = Person(external_id="9001", username="AnaCodes", name="Ana", url="https://x.com/AnaCodes")
    ingest(
        [
            make_record(source="github", external_id="g1", actor=github),
            make_record(source="x", external_id="t1", actor=x),
        ]
    )
    summary, _ = resolve_identities()
    assert len(summary.merges) == 1
    members = {i.external_id: i.member_id for i in Identity.objects.all()}
    assert members["583231"] == members["9001"]
