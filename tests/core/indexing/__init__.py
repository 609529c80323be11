"""Tests of archive_app.core.indexing."""
