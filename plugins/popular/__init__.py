"""Placeholder for the popular plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
