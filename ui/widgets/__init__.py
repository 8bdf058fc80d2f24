"""Widgets of the exercise consoles."""
