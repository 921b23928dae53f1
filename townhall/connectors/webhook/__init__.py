"""webhook: signed pushes of ActivityRecords to `POST /api/v1/ingest/webhook/<source>`."""
