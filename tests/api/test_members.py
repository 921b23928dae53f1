import pytest
from django.contrib.auth.models import User

from townhall.accounts.services import set_role
from townhall.core.models import Member, Organization, Role
from townhall.core.records import Person
from townhall.core.services import ingest, merge_members

URL = "/api/v1/members"


@pytest.fixture
def api(client, read_token):
    """GET a path with the read token; returns (status, JSON)."""

    def get(path, **params):
        response = client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {read_token}")
        return response.status_code, response.json()

    return get


@pytest.fixture
def people(make_member, make_record):
    """Alice (acme.io, on slack and github), Bob (gmail, slack), Carol (acme.io, discord)."""
    alice = make_member(name="Alice Liddell", email="alice@acme.io", external_id="U-ALICE")
    ingest(
        [
            make_record(
                source="github",
                actor=Person(external_id="1001", username="wonderland", email="alice@acme.io"),
            )
        ]
    )
    github_alice = Member.objects.get(identities__external_id="1001")
    merge_members(alice, github_alice, reason="same email", by="test")
    bob = make_member(name="Bob Builder", email="bob@gmail.com")
    carol = make_member(name="Carol Danvers", email="carol@acme.io", source="discord")
    Member.objects.filter(pk=carol.pk).update(is_employee=True)
    return {"alice": alice, "bob": bob, "carol": carol, "merged": github_alice}


def ids(body):
    return [item["id"] for item in body["items"]]


def test_members_are_listed_with_their_identities_and_merged_ones_left_out(api, people):
    status, body = api(URL)
    assert status == 200
    by_name = {item["name"]: item for item in body["items"]}
    assert people["merged"].pk not in ids(body)
    assert {"Alice Liddell", "Bob Builder", "Carol Danvers"} <= set(by_name)
    alice = by_name["Alice Liddell"]
    assert alice["email"] == "alice@acme.io"
    assert alice["organization"]["domain"] == "acme.io"
    assert alice["role"] == "member" and alice["is_employee"] is False
    assert {(i["source"], i["external_id"]) for i in alice["identities"]} == {
        ("slack", "U-ALICE"),
        ("github", "1001"),
    }
    github = next(i for i in alice["identities"] if i["source"] == "github")
    assert github == {
        "source": "github",
        "external_id": "1001",
        "username": "wonderland",
        "email": "alice@acme.io",
        "name": "",
        "url": "",
    }
    assert body["count"] == Member.active.count()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "alice"}, {"alice"}),
        ({"q": "BUILDER"}, {"bob"}),
        ({"q": "bob@gmail"}, {"bob"}),
        ({"q": "@wonderland"}, {"alice"}),
        ({"q": "acme.io"}, {"alice", "carol"}),
        ({"source": "github"}, {"alice"}),
        ({"source": "discord"}, {"carol"}),
        ({"source": "nowhere"}, set()),
        ({"is_employee": "true"}, {"carol"}),
        ({"is_employee": "false", "q": "acme"}, {"alice"}),
        ({"q": "acme", "source": "slack"}, {"alice"}),
    ],
)
def test_member_filters(api, people, params, expected):
    status, body = api(URL, **params)
    assert status == 200
    names = {key for key, member in people.items() if member.pk in ids(body)}
    assert names == expected
    assert body["count"] == len(expected)


def test_filter_by_organization_and_role(api, people, manager):
    acme = Organization.objects.get(domain="acme.io")
    assert set(ids(api(URL, organization=acme.pk)[1])) == {people["alice"].pk, people["carol"].pk}
    operator = User.objects.create_superuser("root", "root@example.org", None)
    set_role(people["bob"], Role.MODERATOR, by=operator)
    assert ids(api(URL, role="moderator")[1]) == [people["bob"].pk]
    assert ids(api(URL, role="community_manager")[1]) == [manager.member.pk]


def test_invalid_filters_answer_422(api, db):
    status, body = api(URL, role="emperor")
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "role"]
    assert api(URL, limit=0)[0] == 422
    assert api(URL, limit=501)[0] == 422
    assert api(URL, offset=-1)[0] == 422


def test_members_page_by_limit_and_offset_with_links(api, make_member):
    for n in range(7):
        make_member(name=f"Page Person {n}")
    expected = list(Member.active.order_by("id").values_list("id", flat=True))
    _, first = api(URL, limit=3)
    assert (first["count"], first["limit"], first["offset"]) == (len(expected), 3, 0)
    assert first["previous"] is None
    assert ids(first) == expected[:3]
    assert first["next"].startswith("http://testserver/api/v1/members?")
    seen = ids(first)
    page = first
    while page["next"]:
        page = api(page["next"].removeprefix("http://testserver"))[1]
        seen += ids(page)
    assert seen == expected
    assert page["previous"] is not None
    assert api(URL, offset=100)[1]["items"] == []


def test_the_member_list_runs_a_fixed_number_of_queries(
    client, read_token, make_member, django_assert_num_queries
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {read_token}"}
    client.get(URL, **headers)  # marks the token used
    for n in range(3):
        make_member(name=f"Small {n}")
    # token, the caller's member (role), count, page, identities with sources
    with django_assert_num_queries(5):
        assert len(client.get(URL, **headers).json()["items"]) == 4
    for n in range(20):
        make_member(name=f"More {n}", source=f"source{n % 4}")
    with django_assert_num_queries(5):
        assert len(client.get(URL, {"q": "more"}, **headers).json()["items"]) == 20


def test_get_member_shows_identities_and_activity_totals(api, people, make_record):
    alice = people["alice"]
    status, body = api(f"{URL}/{alice.pk}")
    assert status == 200
    assert body["id"] == alice.pk and body["name"] == "Alice Liddell"
    assert body["activity_count"] == 2
    assert body["first_activity_at"] <= body["last_activity_at"]
    assert len(body["identities"]) == 2


def test_get_a_merged_member_redirects_to_the_member_it_belongs_to(api, client, people, read_token):
    # A chain: merged → alice, then alice → bob.
    merge_members(people["bob"], people["alice"], reason="test chain", by="test")
    response = client.get(f"{URL}/{people['merged'].pk}", HTTP_AUTHORIZATION=f"Bearer {read_token}")
    assert response.status_code == 307
    bob = people["bob"].pk
    assert response["Location"] == f"http://testserver/api/v1/members/{bob}"
    assert response.json()["merged_into"] == bob
    followed = client.get(response["Location"], HTTP_AUTHORIZATION=f"Bearer {read_token}")
    assert followed.status_code == 200 and followed.json()["id"] == bob


def test_get_an_unknown_member_answers_404(api, db):
    status, body = api(f"{URL}/999999")
    assert status == 404
    assert "no member with id 999999" in body["detail"]
