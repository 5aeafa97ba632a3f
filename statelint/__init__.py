"""statelint: find the request handlers that keep state inside the process."""

__version__ = "0.1.0"
