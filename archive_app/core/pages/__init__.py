"""Pages of documents that have them (PDF, scans, images): rendering in an isolated child,
and where each character of the stored text lies on its page (boxes.py, written by
someone else)."""
