"""Placeholder for the stories plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
