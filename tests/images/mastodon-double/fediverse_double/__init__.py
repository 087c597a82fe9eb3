"""Mastodon test double for fediverse.deploy's tests (NOT Mastodon).

Emulates the commands, boot checks and database state of the official images closely enough for the
collection's roles and modules to be tested offline. See docs/testing-double.md for what it covers.
"""
