"""Quotes (cotações): requests to suppliers, their answers, comparison and bid pricing."""
