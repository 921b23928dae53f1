"""Contract case for webhook: covered by name only.

A push-only source fetches nothing (its sync creates no activities), so it has no
`sample` or `recording` and the parametrized file and live cases skip it; its
behaviour is tested over HTTP in test_webhook.py.
"""

CONNECTOR = "webhook"
SECRET = "whsec-3f9a1c7e5b2d4086a1c3e5f7"


def config() -> dict:
    return {"source": "zapier", "secret": SECRET}
