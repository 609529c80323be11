"""The PySide6 desktop face of Archive App; it calls archive_app.core and holds no search logic."""
