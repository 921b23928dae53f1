"""The demo community: a believable B2B software community, generated from a seed.

`generate()` builds it as ActivityRecords (docs/demo.md describes what it holds);
`seed_demo()` puts it in the database through `ingest()`. `townhall demo` runs both.
"""

from townhall.core.demo.generator import DEFAULT_SEED, DemoCommunity, DemoSize, generate

__all__ = ["DEFAULT_SEED", "DemoCommunity", "DemoSize", "generate"]
