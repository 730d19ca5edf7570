"""The audit trail: every secretariat action recorded with who, when, what and from where
(trail.py), and the page and CSV download to read it (routes.py)."""
