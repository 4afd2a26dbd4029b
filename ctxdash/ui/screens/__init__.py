"""Screens: the dashboard, the session list, help."""
