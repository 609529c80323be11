"""Regression: PySide6 6.12.0 on Python 3.11 aborts (none_dealloc) after many void Qt calls."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def test_many_void_calls_keep_the_interpreter_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    for number in range(20_000):
        label.setText(str(number))
    assert label.text() == "19999"
