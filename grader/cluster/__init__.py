"""Clusters the kit runs against: backends (local, kind, existing), the context guard,
environments provisioned like the platform console, and the platform's admission policies."""
