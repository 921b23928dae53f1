"""Resolution decisions on small, hand-made communities."""

from townhall.identity.profiles import AccountFacts
from townhall.identity.resolve import resolve

counter = iter(range(1, 10_000))


def account(
    source, external_id, *, username="", email="", name="", first_seen=20000.0, last_seen=20100.0
):
    return AccountFacts(
        next(counter), source, external_id, username, email, name, first_seen, last_seen
    )


def together(resolution, a, b):
    return resolution.group_of[a.member_id] == resolution.group_of[b.member_id]


def test_same_email_across_sources_merges():
    a = account("slack", "U1", email="ana@acme.io", name="Ana Souza")
    b = account("github", "1", username="octo", email="Ana@Acme.io")
    assert together(resolve([a, b]), a, b)


def test_github_noreply_email_matches_the_username_elsewhere():
    a = account(
        "github",
        "583231",
        username="mjgarcia",
        email="583231+mjgarcia@users.noreply.github.com",
        name="María José García",
    )
    b = account(
        "forum", "f9", username="mjgarcia", name="Maria Garcia", email="maria.garcia@gmail.com"
    )
    assert together(resolve([a, b]), a, b)


def test_accented_reordered_names_match_exactly_and_merge():
    a = account("slack", "U1", name="Katarzyna Wiśniewska")
    b = account("forum", "f1", name="Wisniewska, KATARZYNA")
    assert together(resolve([a, b]), a, b)


def test_placeholder_and_shared_addresses_never_join_people():
    people = [
        account("github", "1", email="root@localhost", name="Ana Souza"),
        account("github", "2", email="root@localhost", name="Bo Chen"),
        account("forum", "3", email="support@acme.io", name="Carla Diaz"),
        account("forum", "4", email="support@acme.io", name="Dev Patel"),
        account("forum", "5", email="team@initech.net", name="Eve Adams"),
        account("slack", "6", email="team@initech.net", name="Frank Ocean"),
    ]
    resolution = resolve(people)
    assert len(set(resolution.group_of.values())) == len(people)


def test_placeholder_names_and_lone_first_names_never_merge_on_their_own():
    people = [
        account("forum", "1", name="Deleted User"),
        account("slack", "2", name="Deleted User"),
        account("forum", "3", name="admin"),
        account("twitter", "4", name="admin"),
        account("twitter", "5", name="Ana"),
        account("meetup", "6", name="Ana"),
    ]
    resolution = resolve(people)
    assert len(set(resolution.group_of.values())) == len(people)
    assert not resolution.suggestions


def test_different_people_with_a_common_name_stay_apart():
    people = [
        account("slack", f"U{n}", name="John Smith", email=f"john{n}@acme.io") for n in range(4)
    ]
    resolution = resolve(people)
    assert len(set(resolution.group_of.values())) == 4


def test_no_chain_joins_two_accounts_a_rule_keeps_apart():
    # a and b share an email; b and c share a rare username; but a and c are two
    # different Slack accounts with different emails: c must not join a's group.
    a = account("slack", "U1", email="ana@acme.io", name="Ana Souza")
    b = account("github", "7", email="ana@acme.io", username="anasouza-dev")
    c = account("slack", "U2", email="asouza@globex.com", username="anasouza-dev", name="Ana Souza")
    resolution = resolve([a, b, c])
    assert together(resolution, a, b)
    assert not together(resolution, a, c)


def test_not_same_person_decisions_are_respected():
    a = account("slack", "U1", email="ana@acme.io")
    b = account("github", "1", email="ana@acme.io")
    resolution = resolve([a, b], not_same={(a.member_id, b.member_id)})
    assert not together(resolution, a, b)


def test_the_middle_band_goes_to_review_not_to_a_merge():
    # A username equal to the other's email name, with a similar (transliterated) name.
    a = account("slack", "U1", name="Jürgen Müller", email="jmueller@globex.com")
    b = account("forum", "f1", name="Mueller, Juergen", username="jmueller")
    resolution = resolve([a, b])
    assert not together(resolution, a, b)
    assert [(s.a, s.b) for s in resolution.suggestions] == [(a.member_id, b.member_id)]


def zoned(source, external_id, zone, **fields):
    from dataclasses import replace

    return replace(account(source, external_id, **fields), timezone=zone)


def test_time_zones_hours_apart_keep_a_pair_out_of_automatic_merging():
    a = zoned("slack", "U1", "Europe/Warsaw", name="Katarzyna Wiśniewska")
    b = zoned("forum", "f1", "America/Los_Angeles", name="Wisniewska, KATARZYNA")
    assert not together(resolve([a, b]), a, b)
    near = zoned("forum", "f2", "Europe/Berlin", name="Wisniewska, KATARZYNA")
    c = zoned("slack", "U2", "Europe/Warsaw", name="Katarzyna Wiśniewska")
    assert together(resolve([c, near]), c, near)  # the same offset: no conflict
    d = zoned("slack", "U3", "Asia/Tokyo", email="kasia@acme.io", name="Katarzyna Wiśniewska")
    e = zoned("forum", "f3", "-05:00", email="kasia@acme.io", name="K. Wisniewska")
    assert together(resolve([d, e]), d, e)  # an email outweighs the zones


def test_stated_time_zones_read_as_standard_utc_offsets():
    from townhall.identity.profiles import utc_offset

    assert utc_offset("Europe/Berlin") == 1.0  # winter time, whatever the season
    assert utc_offset("America/New_York") == -5.0
    assert utc_offset("+05:30") == 5.5 and utc_offset("UTC-3") == -3.0
    assert utc_offset("UTC") == 0.0
    assert utc_offset("Mars/Olympus") is None and utc_offset("") is None


def test_a_name_two_accounts_on_one_source_carry_does_not_merge_a_third_on_its_own():
    # Two different Slack members are both called Fatima Novák; a forum account with the
    # same name (and a handle made from it) could be either: review, not a merge.
    a = account("slack", "U1", name="Fatima Novák", email="fatima@acme.io")
    b = account("slack", "U2", name="Fatima Novak", email="fnovak@globex.com")
    c = account("forum", "f1", name="Novák, Fatima", username="fatimanovak")
    resolution = resolve([a, b, c])
    assert not together(resolution, a, c) and not together(resolution, b, c)
    assert {s.b for s in resolution.suggestions} == {c.member_id}
    # Alone, the same forum account and one Slack member merge.
    d = account("slack", "U3", name="Fatima Novák", email="fatima@acme.io")
    e = account("forum", "f2", name="Novák, Fatima", username="fatimanovak")
    assert together(resolve([d, e]), d, e)


def test_a_handle_only_one_person_holds_still_merges_despite_a_common_name():
    # Two John Smiths on Slack; the GitHub account shares a rare handle with one of them.
    a = account("slack", "U1", name="John Smith", username="jsmith-quasar")
    b = account("slack", "U2", name="John Smith", email="john@acme.io")
    c = account("github", "7", name="John Smith", username="jsmith-quasar")
    resolution = resolve([a, b, c])
    assert together(resolution, a, c) and not together(resolution, b, c)
