"""Placeholder for the cta plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
