"""Searching: the query language, the searcher over the engine, hit spans,
snippets and facet filters."""
