"""reuse: find reused passages and stock phrases in Chinese official documents."""

__version__ = "0.1.0"
