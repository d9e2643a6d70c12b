"""Keyboards: pure functions of their data and the translator."""
