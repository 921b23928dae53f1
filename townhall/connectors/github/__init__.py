"""GitHub: the REST API of chosen repositories (`github-api`) and GH Archive hourly
event files (`gharchive`).

Both store activities under the source slug `github` and key people by GitHub's
numeric user id, so a person seen by either connector is one identity. See
`source.py` and docs/connectors/github.md.
"""
