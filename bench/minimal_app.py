"""The yardstick: the smallest Flask JSON endpoint, served with the same gunicorn settings."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/minimal")
def minimal():
    body = request.get_json(force=True)
    return {"ok": True, "score": body.get("score")}, 201
