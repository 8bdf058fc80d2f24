"""Tabletop's terminal user interface (Textual): facilitator and participant consoles."""
