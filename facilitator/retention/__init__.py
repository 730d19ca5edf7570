"""Retention (AVG): each meeting's personal data is erased a set number of days after it (or
the whole meeting goes), by `flask retention run` and daily inside the server (erase.py); an
administrator sets the period per meeting and can delete a meeting at once (routes.py)."""
