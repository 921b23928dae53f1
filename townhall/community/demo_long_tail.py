"""The demo community's long tail: many everyday questions and conversations.

A real community is not ten showcase threads: it is hundreds of small questions, most
answered by other customers, some solved, some never answered, with views, likes and
"solved my problem too". `seed_long_tail` composes them from the templates below and
posts them through the members' own verbs, back-dated over the last months.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from townhall.community import services
from townhall.community.models import Board, Topic, TopicKind
from townhall.core.models import Member

AREAS = {
    "reports": ("a scheduled report", "the reports page", "report filters"),
    "sso": ("SAML login", "the SSO settings", "just-in-time provisioning"),
    "webhooks": ("webhook deliveries", "the webhook signature", "webhook retries"),
    "billing": ("the invoice", "seat billing", "the billing contact"),
    "mobile": ("the iOS app", "the Android app", "push notifications"),
    "export": ("the CSV export", "the nightly export", "the data warehouse sync"),
    "api": ("the REST API", "API pagination", "the API token"),
    "permissions": ("custom roles", "read-only users", "the admin role"),
}
QUESTION_SHAPES = (
    ("How do I set up {thing}?", "I read the docs page twice and still miss a step."),
    ("{Thing} stopped working after the last update", "Nothing changed on our side."),
    ("Is {thing} available on the Team plan?", "Our sales rep was not sure."),
    ("Best practice for {thing} with several teams?", "We are about 300 people in 6 teams."),
    ("Error 500 when I open {thing}", "It started this morning, other pages are fine."),
    ("Can {thing} be automated?", "Doing it by hand every Monday takes an hour."),
    ("Why is {thing} so slow for us?", "It takes about a minute to load."),
)
ANSWER_SHAPES = (
    "We had the same with {thing}: clearing the cached settings under Settings → Advanced "
    "fixed it for us.",
    "You need the admin role for {thing}; ask your workspace owner to grant it.",
    "{Thing} works on every plan since spring, but it is hidden behind a feature switch.",
    "Try the API instead: it lets you script {thing} and run it from cron.",
    "This is a known issue with {thing} when the time zone is not UTC; switching it helps.",
    "We split {thing} per team and give each team its own owner. Works well at our size.",
)
FOLLOW_UPS = (
    "Thanks, that did it!",
    "Same question here, following.",
    "Did anyone get this to work with a proxy in between?",
    "+1, we see the same since last week.",
    "Worked for me too, thank you.",
)
DISCUSSION_REPLIES = (
    "We keep it short: one page, three steps, and a buddy for the first week.",
    "Ours is a weekly dashboard sent to Slack every Monday at nine.",
    "We started with one team as a pilot; the others followed once they saw it work.",
    "The Slack and GitHub integrations, by far.",
    "A 15-minute review on Fridays; anything longer and people skip it.",
    "Screenshots in the thread below, happy to share the template.",
)
DISCUSSIONS = (
    "What does your onboarding checklist look like?",
    "Share your favourite dashboard",
    "How do you run your weekly review?",
    "Tips for rolling out to a new department",
    "Which integrations do you use the most?",
)


# Views without a user agent count as a bot's; the demo's readers use a browser.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"


def _fill(text: str, thing: str) -> str:
    return text.replace("{thing}", thing).replace("{Thing}", thing[0].upper() + thing[1:])


def _views(topic: Topic, viewers: list[Member], when: datetime) -> None:
    for n, viewer in enumerate(viewers):
        services.record_topic_view(
            topic,
            key=f"m:{viewer.pk}",
            member=viewer,
            user_agent=BROWSER,
            now=when + timedelta(hours=n),
        )


def seed_long_tail(
    rng: random.Random,
    *,
    boards: list[Board],
    lounge: Board,
    customers: list[Member],
    employees: list[Member],
    now: datetime,
    questions: int = 120,
) -> tuple[int, int]:
    """Post `questions` questions and a few discussions; returns (topics, replies)."""
    topics = replies = 0
    # The most active customers answer most: a community's answers come from a few.
    helpers = customers[: max(5, len(customers) // 8)]
    # Every (subject, shape) pair at most once, so no two questions share a title.
    combinations = [
        (area, thing, shape)
        for area, things in AREAS.items()
        for thing in things
        for shape in QUESTION_SHAPES
    ]
    rng.shuffle(combinations)
    for n, (area, thing, (title, body)) in enumerate(combinations[:questions]):
        asker = rng.choice(customers)
        asked = now - timedelta(days=rng.randint(1, 170), hours=rng.randint(0, 23))
        question = services.create_topic(
            boards[n % len(boards)],
            kind=TopicKind.QUESTION,
            title=_fill(title, thing),
            body=_fill(body, thing),
            by=asker,
            tags=[area],
            occurred_at=asked,
        )
        topics += 1
        _views(question, rng.sample(customers, min(len(customers), rng.randint(2, 30))), asked)
        if rng.random() < 0.15:
            continue  # unanswered: the team's queue shows it
        answers = []
        at = asked
        # Replies follow within hours or days, but never after now.
        step = max(timedelta(minutes=20), (now - asked) / 12)
        for _ in range(rng.randint(1, 4)):
            at += min(timedelta(hours=rng.randint(1, 36)), step)
            person = rng.choice([h for h in helpers if h.pk != asker.pk] or customers)
            answers.append(
                services.create_reply(
                    question,
                    body=_fill(rng.choice(ANSWER_SHAPES), thing),
                    by=person,
                    occurred_at=at,
                )
            )
            replies += 1
        if employees and rng.random() < 0.25:
            at += min(timedelta(hours=rng.randint(1, 12)), step)
            staffer = rng.choice(employees)
            official = services.create_reply(
                question,
                body=f"From the team: {_fill(rng.choice(ANSWER_SHAPES), thing).lower()}",
                by=staffer,
                occurred_at=at,
            )
            services.mark_official_response(official, by=staffer)
            replies += 1
        if rng.random() < 0.3:
            services.create_reply(
                question, body=rng.choice(FOLLOW_UPS), by=rng.choice(customers), occurred_at=at
            )
            replies += 1
        for answer in answers:
            for fan in rng.sample(customers, rng.randint(0, 3)):
                if fan.pk != answer.author_id:
                    services.like(answer, by=fan)
        if rng.random() < 0.6:
            accepted_at = min(at + timedelta(hours=rng.randint(1, 48)), now)
            services.accept_solution(question, answers[0], by=asker, occurred_at=accepted_at)
            for reader in rng.sample(customers, rng.randint(0, 4)):
                if reader.pk != asker.pk:
                    services.mark_solved_too(question, by=reader)
    for title in DISCUSSIONS:
        started = now - timedelta(days=rng.randint(1, 90))
        discussion = services.create_topic(
            lounge,
            kind=TopicKind.DISCUSSION,
            title=title,
            body="Curious how others do it.",
            by=rng.choice(customers),
            occurred_at=started,
        )
        topics += 1
        for hour, person in enumerate(rng.sample(customers, rng.randint(3, 8)), start=1):
            services.create_reply(
                discussion,
                body=rng.choice(DISCUSSION_REPLIES),
                by=person,
                occurred_at=started + timedelta(hours=hour),
            )
            replies += 1
        _views(discussion, rng.sample(customers, min(len(customers), 12)), started)
    return topics, replies
