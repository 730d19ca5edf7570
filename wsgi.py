"""The application object for a WSGI server (and for `flask --app wsgi …`)."""

import sys

from facilitator.export.process import command_needs_child, start_for_command

# `flask --app wsgi annex …` (or archive) renders in a child process: that child starts now
# and imports what it needs while the app imports, and the app leaves out its pages and the live
# protocol, which a command that serves nothing never uses. A server, the tests and every
# other command get the whole app.
RENDERING = command_needs_child(sys.argv)
start_for_command()

from facilitator import create_app  # noqa: E402 - after the render child has started

app = create_app(pages=not RENDERING)
