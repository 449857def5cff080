"""groundwork tooling: the offline engine and the `groundwork` CLI."""

__version__ = "0.1.0"
