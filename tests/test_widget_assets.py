def test_widget_script_is_cached_and_revalidated(client):
    first = client.get("/widget.js")
    assert first.status_code == 200
    assert first.mimetype == "text/javascript"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert b"attachShadow" in first.data


def test_widget_stylesheet(client):
    css = client.get("/widget.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.headers["X-Content-Type-Options"] == "nosniff" and css.headers["ETag"]
    assert b":host" in css.data


def test_demo_page_embeds_the_snippet(client, runner):
    assert client.get("/demo").status_code == 404
    runner.invoke(args=["demo"])
    page = client.get("/demo").get_data(as_text=True)
    assert '<script async src="http://plaudit.test/widget.js" data-site="' in page
    assert "&lt;script async src=" in page  # shown to copy, escaped
