"""Conversations: threads per tender, per card and direct, delivered in real time."""
