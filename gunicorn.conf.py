"""gunicorn's settings for the portal, read from the directory gunicorn starts in (the checkout).

A server must say how it runs: without PORTAL_ENV, gunicorn refuses to start rather than serve with the
development defaults (demo data allowed, cookies without Secure, mails written to the log). `make run` sets
PORTAL_ENV=development; a production service sets PORTAL_ENV=production (and SECRET_KEY, SENDGRID_API_KEY…).
`flask --app wsgi …` commands from a checkout keep the development default.
"""

import os
import sys

if not os.environ.get("PORTAL_ENV"):
    sys.exit(
        "PORTAL_ENV is not set: say how this server runs, PORTAL_ENV=production on a server "
        "(or development on your own machine; `make run` sets it)."
    )
