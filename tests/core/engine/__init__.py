"""Tests of archive_app.core.engine."""
