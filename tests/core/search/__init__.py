"""Tests of archive_app.core.search."""
