"""Passwords, tokens, principals and rate limits."""
