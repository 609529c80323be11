"""Top-level windows get a minimum size fixed once, not recomputed by the layout on changes.

A layout with the default constraint re-sets its window's minimum size whenever content
changes (a message appears, a chip is added); the window then resizes under the user and
the platform is asked to update its size hints each time. Fixing it once avoids both.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLayout, QWidget


def fix_minimum_size(window: QWidget, minimum: QSize | None = None) -> None:
    """Call before the window is shown; `minimum` defaults to what the layout needs now."""
    layout = window.layout()
    if layout is None:
        return
    needed = minimum or layout.minimumSize()
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    window.setMinimumSize(needed)
    window.resize(window.sizeHint().expandedTo(needed))
