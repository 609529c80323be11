"""Archive App: an offline desktop archive browser (search, read, tag, quote)."""

__version__ = "0.1.0"
