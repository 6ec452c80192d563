"""For slow connections: pages, API answers and the stylesheet travel gzipped to a client that accepts it, and
the stylesheet's address changes with its content so browsers keep it for a year."""

import gc
import gzip
import re


def test_a_page_and_an_api_answer_are_gzipped_for_a_client_that_accepts_it(client, session):
    plain = client.get("/projects/")
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets it as is
    zipped = client.get("/projects/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(api.data).startswith(b"{")


def test_the_stylesheet_has_an_address_that_changes_with_it_and_is_kept_a_year(client, session):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/portal\.css\?v=[0-9a-f]{12})"', page).group(1)
    css = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b".site-header" in gzip.decompress(css.data)
    css.close()


def test_documents_are_sent_as_they_are(client, session):
    """Files sent from disk (documents, photos) are not recompressed; tiny answers are not worth it."""
    small = client.get("/api/v1/tokens/current", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_a_signed_in_page_is_not_compressed(client, login_as):
    """BREACH: a signed-in page's form tokens must not leak through the size of a compressed answer."""
    login_as("officer")
    page = client.get("/projects/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_a_small_static_file_is_read_whole_and_its_file_closed_at_once(client):
    """An icon below the gzip threshold is read into memory and its file closed then, not left open until
    the server closes the answer (a browser that drops the request would leave it to the garbage collector)."""
    response = client.get("/static/favicon.svg", headers={"Accept-Encoding": "gzip"}, buffered=False)
    assert response.status_code == 200 and b"<svg" in response.get_data()
    del response
    gc.collect()  # an open file would warn here (ResourceWarning), which the suite treats as a failure
