"""Connectors: one module per source, each reading its input into ActivityRecords."""
