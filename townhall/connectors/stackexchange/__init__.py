"""stackexchange: a Stack Exchange site's data dump (`stackexchange-dump`) and its live
API (`stackexchange-api`).

Both write the same external ids (`q:`, `a:`, `c:`, `accept:`…) under the same source
slug (the site, e.g. `stackoverflow` or `math.stackexchange`), so a dump imported once
and the API synced afterwards never store an activity twice. See
docs/connectors/stackexchange.md.
"""
