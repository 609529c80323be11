"""Tests of archive_app.core.text."""
