"""X (Twitter): an account archive (`x-archive`) and the API v2 recent search (`x-api`).

Both store records under the source slug `x` with the tweet's own id as the external
id, so a tweet imported from the archive and found again by the search counts once,
and people are keyed by their numeric X user id in both.
"""
