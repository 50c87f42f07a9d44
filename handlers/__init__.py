"""Telegram handlers: each module parses updates, calls knowledge/storage and renders a reply."""
