"""CRM data — accounts, contacts, deals, tickets, renewals — and its links to members.

Imported from Salesforce and HubSpot exports, Zendesk and Freshdesk ticket exports and
any CSV with a mapping; linked to core Members (contact emails) and Organizations
(account domains). The ROI app reads it; nothing here writes to core tables except the
links, through core's own models' foreign keys.
"""
