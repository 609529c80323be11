"""Tests of archive_app.core.annotations."""
