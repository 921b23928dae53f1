"""The system of record: members, identities, activities, ingestion and merges."""
