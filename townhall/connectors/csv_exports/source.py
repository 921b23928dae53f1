"""CSV exports of event and newsletter tools, recognized by their header.

`events-csv` reads one event's attendee export:
- Meetup (attendee download: Name, User ID, RSVP, Guests, RSVPed on, Attendance…):
  `rsvp_yes`, `rsvp_no` or `waitlisted` at "RSVPed on"; `event_attended` when
  Attendance is marked (at the config's `event_date`). People keyed by Meetup id.
- Luma (guest CSV: api_id, name, email, created_at, approval_status, checked_in_at,
  amount, ticket_name…): `event_registered` (approved, pending or declined — they
  registered) or `waitlisted` at created_at; `event_attended` at checked_in_at;
  `ticket_purchased` when an approved guest paid (price, currency, ticket in
  properties). Invited guests who never answered did nothing: no record.
- Eventbrite (attendee report: Order #, Order Date, First Name, Last Name, Email,
  Ticket Type, Total Paid, Attendee Status…): `event_registered` (`rsvp_no` for "Not
  Attending") at Order Date; `ticket_purchased` when paid and not refunded,
  cancelled, deleted or transferred; `event_attended` for "Checked In".
Channel and title: the event (Eventbrite's Event Name column, else the config's
`event`, else the file name). External id: vendor, event (Luma's evt- id, Eventbrite's
Event ID, else the config's `event_id`, else the event name), attendee, kind. No
target, conversation or parent: an event answer is addressed to no one.

`newsletter-csv` reads one export CSV, or a folder or ZIP of them:
- Mailchimp audience exports (Email Address, MEMBER_RATING, OPTIN_TIME, CONFIRM_TIME,
  LAST_CHANGED…; the unsubscribed export adds UNSUB_TIME…): `subscribed` at
  CONFIRM_TIME (else OPTIN_TIME), `unsubscribed` at UNSUB_TIME with the reason and
  campaign. Cleaned (bounced) addresses get no record: the person did nothing.
- Mailchimp account export activity (granular_activity/opens|clicks/<id>_<title>.csv:
  Email, Timestamp, Url): `email_opened`, `email_clicked` (the URL in properties);
  title = the campaign. Other per-email files (sends, bounces) are not read.
- Substack (email_list.<publication>.csv: email, active_subscription, plan,
  email_disabled, created_at, first_payment_at): `subscribed`, and
  `paid_subscription_started` at first_payment_at; posts/<id>.opens.csv: one
  `email_opened` per open, titled from posts.csv. Deliveries are not read (receiving
  an email is not an action), and Substack exports no clicks.
Channel: the newsletter (config `newsletter`, else the Substack publication, else the
vendor). People keyed by email.

Dates without a UTC offset (Meetup, Eventbrite, Mailchimp) are read in the config's
`timezone`; without one, those rows are quarantined saying so. Options go in a JSON
config: `townhall ingest events-csv meetup.json` with {"path": …, "timezone": …}.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from townhall.connectors.base import Capability, Source, SourceConfig
from townhall.connectors.csv_exports import events, newsletter
from townhall.connectors.csv_exports.tabular import (
    Dates,
    ExportConfig,
    Files,
    RowReader,
    Table,
    config_from_json_or_path,
    detect,
    read_rows,
    slug,
    zone_of,
)
from townhall.connectors.registry import register
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

# Luma names its download "<Event> - Guests - <timestamp>.csv".
LUMA_FILE_SUFFIX = re.compile(r"\s*-\s*Guests\s*-.*$", re.IGNORECASE)


class EventsCsvConfig(ExportConfig):
    """One event's export; `event`, `event_id` and `event_date` fill what the file lacks."""

    vendor: Literal["auto", "meetup", "luma", "eventbrite"] = "auto"
    event: str = ""
    event_id: str = ""
    event_date: datetime | None = None
    event_url: str = ""

    @model_validator(mode="after")
    def _dated(self) -> EventsCsvConfig:
        if self.event_date and self.event_date.tzinfo is None and not self.timezone:
            raise ValueError("event_date has no UTC offset; add one, or give a timezone")
        return self


@register
class EventsCsv(Source):
    """Registrations, RSVPs, tickets and check-ins from Meetup, Luma or Eventbrite CSVs."""

    name = "events-csv"
    label = "Event attendee export (Meetup, Luma, Eventbrite)"
    default_source = "events"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = EventsCsvConfig

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        return config_from_json_or_path(cls.config_schema, target)

    @property
    def events_config(self) -> EventsCsvConfig:
        assert isinstance(self.config, EventsCsvConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.events_config
        path = config.path
        if path.is_dir():
            raise SourceFailure(f"{path} is a folder; events-csv reads one event's export file")
        if zipfile.is_zipfile(path):
            raise SourceFailure(f"{path} is a spreadsheet or an archive: save the export as CSV")
        files = Files(path)
        table = files.open(files.names[0])
        try:
            forced = "" if config.vendor == "auto" else config.vendor
            vendor = detect(events.VENDORS, table, forced=forced)
            event = events.Event(
                vendor=vendor.name,
                source=self.source_slug if config.source else vendor.name,
                name=config.event or LUMA_FILE_SUFFIX.sub("", path.stem),
                key=config.event_id or slug(config.event or path.stem),
                date=self._event_date(),
                url=config.event_url,
                dates=Dates.of(config),
            )
            reader = events.READERS[vendor.name]
            yield from read_rows(table, lambda row: reader(row, event))
        finally:
            table.close()

    def _event_date(self) -> datetime | None:
        config = self.events_config
        moment = config.event_date
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone_of(config.timezone))
        return moment


class NewsletterCsvConfig(ExportConfig):
    """A newsletter export; `newsletter` names the list, `campaign` a lone activity file."""

    vendor: Literal["auto", "mailchimp", "substack"] = "auto"
    newsletter: str = ""
    campaign: str = ""


@register
class NewsletterCsv(Source):
    """Subscriptions, unsubscriptions, opens and clicks from Mailchimp or Substack exports."""

    name = "newsletter-csv"
    label = "Newsletter export (Mailchimp, Substack)"
    default_source = "newsletter"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = NewsletterCsvConfig

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        return config_from_json_or_path(cls.config_schema, target)

    @property
    def letter_config(self) -> NewsletterCsvConfig:
        assert isinstance(self.config, NewsletterCsvConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        files = Files(self.letter_config.path)
        try:
            if not files.names:
                raise SourceFailure(f"{self.letter_config.path} holds no CSV file")
            posts = self._post_titles(files)
            read_any = False
            for name in files.names:
                if name.lower().endswith(".delivers.csv"):
                    if files.single:
                        raise SourceFailure(
                            f"{name} lists deliveries, which are not something a reader did; "
                            "import the post's .opens.csv or the whole export"
                        )
                    continue
                table = files.open(name)
                try:
                    reader = self._reader(files, table, posts)
                    if reader is not None:
                        read_any = True
                        prefix = "" if files.single else f"{name[-48:]}:"
                        yield from read_rows(table, reader, prefix=prefix)
                finally:
                    table.close()
            if not read_any:
                raise SourceFailure(
                    f"{self.letter_config.path} holds no Mailchimp or Substack export; "
                    f"its CSV files: {', '.join(files.names[:20])}"
                )
        finally:
            files.close()

    def _reader(self, files: Files, table: Table, posts: dict[str, str]) -> RowReader | None:
        """How to read this file's rows, or None for a file that holds no activities."""
        config = self.letter_config
        candidates = [
            v for v in newsletter.VENDORS if config.vendor in ("auto", newsletter.vendor_slug(v))
        ]
        try:
            vendor = detect(candidates, table)
        except SourceFailure:
            if files.single:
                raise
            return None  # an export's other files (campaign lists, reports)
        if vendor is newsletter.SUBSTACK_POSTS:
            if files.single:
                raise SourceFailure(
                    f"{table.name} lists posts, not readers; import the whole Substack export"
                )
            return None
        kind_of = newsletter.vendor_slug(vendor)
        name = (
            config.newsletter
            or {
                "substack": newsletter.publication_of(files.names) or "Substack",
                "mailchimp": "Mailchimp",
            }[kind_of]
        )
        letter = newsletter.Newsletter(
            source=self.source_slug if config.source else kind_of,
            name=name,
            dates=Dates.of(config),
            posts=posts,
        )
        if vendor is newsletter.MAILCHIMP_AUDIENCE:
            return partial(newsletter.mailchimp_member, letter=letter)
        if vendor is newsletter.SUBSTACK_SUBSCRIBERS:
            return partial(newsletter.substack_subscriber, letter=letter)
        if vendor is newsletter.SUBSTACK_OPENS:
            return partial(newsletter.substack_open, letter=letter)
        kind = newsletter.activity_kind(table.name, table.columns)
        if kind is None:
            if files.single:
                raise SourceFailure(
                    f"{table.name} has Email and Timestamp but does not say whether it lists "
                    "opens or clicks; keep Mailchimp's file name (…/opens/… or …/clicks/…)"
                )
            return None
        campaign = newsletter.campaign_of(table.name, config.campaign if files.single else "")
        return partial(newsletter.mailchimp_activity, letter=letter, kind=kind, campaign=campaign)

    @staticmethod
    def _post_titles(files: Files) -> dict[str, str]:
        """Substack's posts.csv: post number → title, for naming the opens."""
        titles: dict[str, str] = {}
        for name in files.names:
            if Path(name).name.lower() != "posts.csv" or files.single:
                continue
            table = files.open(name)
            try:
                if newsletter.SUBSTACK_POSTS.missing(table.columns):
                    continue
                for row in table.rows:
                    number = (row.get("post_id") or "").split(".")[0].strip()
                    if number:
                        titles[number] = (row.get("title") or "").strip() or f"post {number}"
            finally:
                table.close()
        return titles
