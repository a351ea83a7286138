"""Placeholder for the related plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
