from townhall.analytics.engines import Engine

from .conftest import act, build_tables


def test_both_engines_run_the_same_expression(engine: Engine) -> None:
    tables = build_tables(
        engine,
        activities=[
            act(1, member=1, kind="message"),
            act(2, member=1, kind="reply", target=2),
            act(3, member=2, kind="message", bot=True),
        ],
    )
    humans = tables.activities.filter(~tables.activities.actor_is_bot)
    counts = humans.group_by("member_id").agg(n=humans.count()).order_by("member_id")
    rows = engine.execute(counts).to_dict("records")
    assert rows == [{"member_id": 1, "n": 2}]
