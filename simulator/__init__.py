"""Tabletop's headless core: scenario language, loader, SimPy engine, event log, scoring and reports."""

__version__ = "0.1.0"
