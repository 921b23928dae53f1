"""Synthetic Slack workspace exports for benchmarks: the layout and fields of a real one.

    python -m townhall.connectors.slack.sample OUT.zip --messages 200000

Writes `users.json`, `channels.json` and one `<channel>/<YYYY-MM-DD>.json` per channel
and day, as Slack's "Export data" does: messages with `ts`, `user`, `text` (with
`<@U…>` mentions), `user_profile`, `blocks`; threads (`thread_ts`, `reply_count`,
`parent_user_id`); reactions with their users; joins; bot messages. People, channels
and words are random; nothing comes from a real workspace.
"""

from __future__ import annotations

import argparse
import json
import random
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WORDS = (
    "deploy token sso okta export webhook retry timeout cache region billing invoice "
    "dashboard api key rotate migrate upgrade staging prod latency alert docs sdk python "
    "node plugin workspace permission admin role audit log backup restore"
).split()
GIVEN = "Ana Bo Cy Dee Eli Fay Gus Hal Ivy Jon Kim Lee Max Ned Oli Pia Quinn Rae Sam Tia".split()
FAMILY = "Souza Okafor Tanaka Müller Novak Haddad Silva Kowalski Rossi Nguyen Ivanova".split()
START = datetime(2024, 1, 1, tzinfo=UTC)


def _user(n: int, rng: random.Random) -> dict[str, Any]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    handle = f"{given.lower()}{n}"
    return {
        "id": f"U{n:08X}",
        "team_id": "T024BE7LB",
        "name": handle,
        "deleted": False,
        "real_name": f"{given} {family}",
        "tz": rng.choice(["Europe/Lisbon", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]),
        "is_bot": False,
        "profile": {
            "real_name": f"{given} {family}",
            "display_name": handle,
            "email": f"{handle}@example{n % 50}.com",
            "image_72": f"https://avatars.slack-edge.com/{handle}_72.png",
        },
    }


def _message(
    rng: random.Random, user: dict[str, Any], ts: float, users: list[dict[str, Any]]
) -> dict[str, Any]:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 30))]
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), f"<@{rng.choice(users)['id']}>")
    text = " ".join(words)
    message: dict[str, Any] = {
        "client_msg_id": f"{int(ts * 1e6):x}-{rng.getrandbits(32):08x}",
        "type": "message",
        "text": text,
        "user": user["id"],
        "ts": f"{ts:.6f}",
        "team": "T024BE7LB",
        "user_profile": {
            "real_name": user["real_name"],
            "display_name": user["name"],
            "name": user["name"],
            "image_72": user["profile"]["image_72"],
        },
        "blocks": [
            {
                "type": "rich_text",
                "block_id": f"b{rng.getrandbits(16)}",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
    }
    if rng.random() < 0.2:
        reactors = rng.sample(users, rng.randint(1, 4))
        message["reactions"] = [
            {"name": rng.choice(["+1", "tada", "eyes"]), "users": [u["id"] for u in reactors],
             "count": len(reactors)}
        ]  # fmt: skip
    return message


def generate(out: Path, *, messages: int, channels: int = 20, seed: int = 7) -> dict[str, int]:
    """Write an export ZIP of about `messages` messages; returns what it holds."""
    rng = random.Random(seed)
    users = [_user(n, rng) for n in range(max(10, messages // 40))]
    weights = [1 / (rank + 1) for rank in range(len(users))]  # a few people say most
    names = [f"{rng.choice(WORDS)}-{n}" for n in range(channels)]
    days = max(1, messages // (channels * 100))
    per_day = max(1, messages // (channels * days))
    written = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.json", json.dumps(users))
        archive.writestr(
            "channels.json",
            json.dumps(
                [
                    {
                        "id": f"C{n:08X}",
                        "name": name,
                        "created": int(START.timestamp()),
                        "is_archived": False,
                        "members": [u["id"] for u in users[:50]],
                    }
                    for n, name in enumerate(names)
                ]
            ),
        )
        for name in names:
            for day in range(days):
                moment = START + timedelta(days=day)
                base = moment.timestamp()
                day_messages: list[dict[str, Any]] = []
                roots: list[dict[str, Any]] = []
                for k in range(per_day):
                    author = rng.choices(users, weights)[0]
                    ts = base + k * (80_000 / per_day) + rng.random()
                    message = _message(rng, author, ts, users)
                    if roots and rng.random() < 0.35:  # a reply in a thread
                        root = rng.choice(roots)
                        message["thread_ts"] = root["ts"]
                        message["parent_user_id"] = root["user"]
                        root["reply_count"] = root.get("reply_count", 0) + 1
                    elif rng.random() < 0.3:
                        message["thread_ts"] = message["ts"]
                        roots.append(message)
                    if rng.random() < 0.01:
                        message = {"type": "message", "subtype": "bot_message",
                                   "bot_id": "B0STATUS", "username": "status",
                                   "text": "Deploy finished", "ts": message["ts"]}  # fmt: skip
                    day_messages.append(message)
                archive.writestr(f"{name}/{moment:%Y-%m-%d}.json", json.dumps(day_messages))
                written += len(day_messages)
    return {"messages": written, "users": len(users), "channels": channels, "days": days}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    print(generate(options.out, messages=options.messages, channels=options.channels))


if __name__ == "__main__":
    main()
