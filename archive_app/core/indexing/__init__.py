"""Keeping the index in step with the corpus: the folder scan, the catalog, reading
files (in forkserver children for large batches), folders and `check`."""
