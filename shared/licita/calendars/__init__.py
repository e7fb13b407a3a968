"""Calendars: company and personal events, automatic deadlines from sources, ICS feeds, Google sync."""
