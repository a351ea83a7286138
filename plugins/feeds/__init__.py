"""Placeholder for the feeds plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
