"""The Qt-free core: ingest, index, search, annotate and export, used by the CLI and the GUI."""
