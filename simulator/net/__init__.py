"""Networked play: participants on their own terminal or browser, talking to the exercise over websockets."""
