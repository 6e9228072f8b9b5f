"""Writes and workflows of the tenants app, one module per lifecycle (companies, applications, ...)."""
