"""Competitive selection: applications, an expert commission, ranking and decisions."""
