"""The yardstick: a bare Flask view, served by gunicorn with the same settings as the clinic's app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
