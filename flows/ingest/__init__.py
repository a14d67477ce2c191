"""Choosing each source's snapshot for a run (bundled, live or stale) and extracting article
claims: the steps between the source declarations and the warehouse build."""
