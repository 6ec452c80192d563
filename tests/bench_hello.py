"""The floor `make bench` measures the portal against: a bare Flask app, served by the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Hello, World! Everyone."""
    return "Hello, World!"
