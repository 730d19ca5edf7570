"""The application object for a WSGI server (and for `flask --app wsgi …`)."""

from facilitator import create_app

app = create_app()
