"""Write a synthetic Stack Exchange data dump in the real XML attribute format.

Used by the tests (small sizes) and for the import speed figure in
docs/connectors/stackexchange.md:

    .venv/bin/python -m townhall.connectors.stackexchange.sample /tmp/se/superuser.com \
        --questions 40000 --answers 60000 --comments 150000 --users 20000

Rows follow the dump's layout: one `<row …/>` per line under a root element named
after the table, attribute values XML-escaped (HTML bodies as `&lt;p&gt;…`, newlines as
`&#xA;`), times as `2019-03-05T22:28:34.823` (UTC, no offset), tags as
`&lt;python&gt;&lt;django&gt;` (or `|python|django|` with `pipe_tags=True`, as in dumps
since 2024). The content is random words; nothing is copied from a real dump.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = (
    "cache query index deploy thread async lock migrate schema token render queue worker "
    "timeout retry socket buffer parser config install upgrade build test fixture mock "
    "python django postgres redis docker nginx linux kernel memory leak crash error trace"
).split()
TAGS = "python django postgresql redis docker nginx linux celery pandas numpy".split()
START = datetime(2015, 1, 1, tzinfo=UTC)
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#xA;", "\r": "&#xD;"}


def _when(rng: random.Random, after: datetime | None = None) -> datetime:
    base = after or START
    return base + timedelta(seconds=rng.randint(60, 86400 * (3 if after else 3000)))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _html(rng: random.Random, paragraphs: int) -> str:
    parts = [f"<p>{_text(rng, rng.randint(20, 60))}</p>" for _ in range(paragraphs)]
    parts.append(f"<pre><code>x = {rng.randint(0, 999)} &lt; y</code></pre>")
    return "\n".join(parts) + "\n"


def _row(attributes: dict[str, object]) -> str:
    # Like the dump: <, >, & and quotes escaped, newlines written as &#xA;.
    text = " ".join(
        f'{name}="{escape(str(value), _ATTRIBUTE_ENTITIES)}"'
        for name, value in attributes.items()
        if value is not None
    )
    return f"  <row {text} />\n"


def write_dump(
    folder: Path,
    *,
    questions: int = 20,
    answers: int = 30,
    comments: int = 50,
    users: int = 15,
    seed: int = 7,
    pipe_tags: bool = False,
) -> Path:
    """Write Users, Posts, Comments, Votes and Badges XML files into `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    user_ids = list(range(1, users + 1))

    with (folder / "Users.xml").open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<users>\n')
        out.write(
            _row(
                {
                    "Id": -1,
                    "Reputation": 1,
                    "CreationDate": "2014-12-31T00:00:00.000",
                    "DisplayName": "Community",
                    "LastAccessDate": "2014-12-31T00:00:00.000",
                    "AboutMe": "<p>Hi, I'm not really a person.</p>",
                    "Views": 0,
                    "UpVotes": 100,
                    "DownVotes": 50,
                    "AccountId": -1,
                }
            )
        )
        for uid in user_ids:
            out.write(
                _row(
                    {
                        "Id": uid,
                        "Reputation": rng.randint(1, 50000),
                        "CreationDate": _stamp(_when(rng)),
                        "DisplayName": f"user {uid} {rng.choice(WORDS)}",
                        "LastAccessDate": _stamp(_when(rng)),
                        "WebsiteUrl": f"https://example.org/~{uid}" if uid % 3 == 0 else None,
                        "Location": "Lisbon, Portugal" if uid % 4 == 0 else None,
                        "AboutMe": f"<p>{_text(rng, 12)}</p>" if uid % 2 == 0 else None,
                        "Views": rng.randint(0, 900),
                        "UpVotes": rng.randint(0, 900),
                        "DownVotes": rng.randint(0, 90),
                        "AccountId": 100000 + uid,
                    }
                )
            )
        out.write("</users>\n")

    post_id = 0
    question_rows: list[tuple[int, int, datetime]] = []  # (id, owner, created)
    answer_rows: list[tuple[int, int, int, datetime]] = []  # (id, question, owner, created)
    posts: list[dict[str, object]] = []
    for _ in range(questions):
        post_id += 1
        owner = rng.choice(user_ids)
        created = _when(rng)
        tags = rng.sample(TAGS, rng.randint(1, 3))
        question_rows.append((post_id, owner, created))
        posts.append(
            {
                "Id": post_id,
                "PostTypeId": 1,
                "CreationDate": _stamp(created),
                "Score": rng.randint(-2, 40),
                "ViewCount": rng.randint(5, 20000),
                "Body": _html(rng, rng.randint(1, 4)),
                "OwnerUserId": owner,
                "LastActivityDate": _stamp(_when(rng, created)),
                "Title": f"How do I {_text(rng, 6)}?",
                "Tags": ("|" + "|".join(tags) + "|")
                if pipe_tags
                else "".join(f"<{t}>" for t in tags),
                "AnswerCount": 0,
                "CommentCount": 0,
                "ContentLicense": "CC BY-SA 4.0",
            }
        )
    for _ in range(answers):
        post_id += 1
        qid, _, qcreated = rng.choice(question_rows)
        owner = rng.choice(user_ids)
        created = _when(rng, qcreated)
        answer_rows.append((post_id, qid, owner, created))
        posts.append(
            {
                "Id": post_id,
                "PostTypeId": 2,
                "ParentId": qid,
                "CreationDate": _stamp(created),
                "Score": rng.randint(-1, 60),
                "Body": _html(rng, rng.randint(1, 3)),
                "OwnerUserId": owner,
                "LastActivityDate": _stamp(_when(rng, created)),
                "CommentCount": 0,
                "ContentLicense": "CC BY-SA 4.0",
            }
        )
    accepted: dict[int, tuple[int, datetime]] = {}
    for aid, qid, _, created in answer_rows:
        if qid not in accepted and rng.random() < 0.5:
            accepted[qid] = (aid, created)
    for post in posts:
        if post["PostTypeId"] == 1 and post["Id"] in accepted:
            post["AcceptedAnswerId"] = accepted[post["Id"]][0]  # type: ignore[index]
    # The dump lists posts by Id; re-order the attributes the way the dump writes them.
    order = (
        "Id PostTypeId AcceptedAnswerId ParentId CreationDate Score ViewCount Body OwnerUserId "
        "LastActivityDate Title Tags AnswerCount CommentCount ContentLicense"
    ).split()
    with (folder / "Posts.xml").open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        for post in posts:
            out.write(_row({key: post[key] for key in order if key in post}))
        out.write("</posts>\n")

    all_posts = [(pid, owner, created) for pid, owner, created in question_rows] + [
        (aid, owner, created) for aid, _, owner, created in answer_rows
    ]
    with (folder / "Comments.xml").open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<comments>\n')
        for cid in range(1, comments + 1):
            pid, _, pcreated = rng.choice(all_posts)
            out.write(
                _row(
                    {
                        "Id": cid,
                        "PostId": pid,
                        "Score": rng.randint(0, 5),
                        "Text": f"@user{rng.randint(1, 9)} {_text(rng, rng.randint(5, 30))}",
                        "CreationDate": _stamp(_when(rng, pcreated)),
                        "UserId": rng.choice(user_ids),
                        "ContentLicense": "CC BY-SA 4.0",
                    }
                )
            )
        out.write("</comments>\n")

    with (folder / "Votes.xml").open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<votes>\n')
        vote_id = 0

        def vote(pid: int, kind: int, day: datetime, **extra: object) -> None:
            nonlocal vote_id
            vote_id += 1
            row: dict[str, object] = {"Id": vote_id, "PostId": pid, "VoteTypeId": kind}
            row.update(extra)
            row["CreationDate"] = day.strftime("%Y-%m-%dT00:00:00.000")
            out.write(_row(row))

        for pid, _, created in all_posts:
            for _ in range(rng.randint(0, 3)):
                vote(pid, rng.choice((2, 2, 2, 3)), _when(rng, created))
        for aid, created in accepted.values():
            vote(aid, 1, _when(rng, created))
        for pid, _, created in rng.sample(question_rows, max(1, len(question_rows) // 10)):
            vote(pid, 5, _when(rng, created), UserId=rng.choice(user_ids))
        out.write("</votes>\n")

    with (folder / "Badges.xml").open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<badges>\n')
        for bid in range(1, max(1, users // 2) + 1):
            tag_based = bid % 5 == 0
            out.write(
                _row(
                    {
                        "Id": bid,
                        "UserId": rng.choice(user_ids),
                        "Name": rng.choice(TAGS)
                        if tag_based
                        else rng.choice(("Teacher", "Student", "Editor", "Supporter", "Scholar")),
                        "Date": _stamp(_when(rng)),
                        "Class": 2 if tag_based else 3,
                        "TagBased": "True" if tag_based else "False",
                    }
                )
            )
        out.write("</badges>\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--questions", type=int, default=40_000)
    parser.add_argument("--answers", type=int, default=60_000)
    parser.add_argument("--comments", type=int, default=150_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--pipe-tags", action="store_true")
    args = parser.parse_args()
    write_dump(
        args.folder,
        questions=args.questions,
        answers=args.answers,
        comments=args.comments,
        users=args.users,
        pipe_tags=args.pipe_tags,
    )
    print(f"wrote {args.folder}")


if __name__ == "__main__":
    main()
