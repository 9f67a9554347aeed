"""The yardstick: the smallest Flask JSON endpoints, served with the same gunicorn settings."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/minimal")
def minimal_post():
    body = request.get_json(force=True)
    return {"ok": True, "score": body.get("score")}, 201


@app.get("/minimal")
def minimal_get():
    return {"ok": True}
