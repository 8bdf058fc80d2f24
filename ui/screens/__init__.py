"""Screens of the exercise consoles."""
