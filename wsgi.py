"""The WSGI entry point: gunicorn serves `wsgi:app`, and `flask --app wsgi` runs the CLI."""

from portal import create_app

app = create_app()
