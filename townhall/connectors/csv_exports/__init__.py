"""CSV exports of event and newsletter tools: `events-csv` and `newsletter-csv`.

Each detects which tool a file came from by its header (Meetup, Luma, Eventbrite;
Mailchimp, Substack) and stores its activities under that tool's source slug, keyed
by the person's email (Meetup: its member id).
"""
