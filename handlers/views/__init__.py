"""Texts of screens: pure functions of their data and the translator."""
