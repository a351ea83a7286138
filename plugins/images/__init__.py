"""Placeholder for the images plugin: filled by its own issue."""


def register() -> None:
    """Nothing wired yet."""
