"""Reads of the tenants app, one module per lifecycle."""
