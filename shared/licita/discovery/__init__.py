"""Discovery from PNCP: saved searches, sync and alerts, import, change watch, price history (issue 13)."""
