"""What issue 13 must show against the running portal, served as `make run` serves it: gunicorn with two workers,
PORTAL_ENV=development (CSRF armed, the console mail sender), a fresh SQLite file migrated and loaded with the demo
data, and the outbox worker run as `make run` runs it. Everything below goes over HTTP to that server.

- of fourteen wrong logins for one account from one address, the 11th to the 14th get 429, whichever worker
  answers and whatever X-Forwarded-For the client sends;
- a 4 MB archive that inflates to gigabytes is refused in under a second;
- after a reset mail has left, no usable reset link remains in the database file (its -wal included);
- markup stays escaped; forged and 40 MB uploads are refused; documents download as attachments with nosniff.

It serves SQLite whatever TEST_DATABASE_URL says, as `make run` does; `make test` runs it on the SQLite pass only.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.test_archive_uploads import _archive, _inflating_to

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    def __init__(self, directory: Path):
        self.directory = directory
        self.database = directory / "portal.db"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL", "PROXY_COUNT")}
        self.env = {
            **base,
            "PORTAL_ENV": "development",
            "FLASK_APP": "wsgi",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SECRET_KEY": "served-portal-test-key",
            "UPLOAD_DIR": str(directory / "uploads"),
            "AUDIT_ANCHOR_FILE": str(directory / "anchors.jsonl"),
            "PUBLIC_URL": self.url,
        }

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    portal = Served(tmp_path_factory.mktemp("served"))
    portal.flask("db", "upgrade")  # what `make run` does before serving: migrate, load the demo data
    portal.flask("seed-demo")
    with (portal.directory / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{portal.port}", "wsgi:app"],
            cwd=ROOT,
            env=portal.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(portal.url + "/auth/login", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert server.poll() is None, "gunicorn stopped"
                time.sleep(0.2)
            yield portal
        finally:
            server.terminate()
            server.wait(10)


def _csrf(browser: requests.Session, url: str) -> str:
    return CSRF.search(browser.get(url, timeout=10).text).group(1)


def _sign_in(portal: Served, email: str) -> requests.Session:
    browser = requests.Session()
    token = _csrf(browser, portal.url + "/auth/login")
    answer = browser.post(
        portal.url + "/auth/login",
        data={"email": email, "password": "demo-password", "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.status_code
    return browser


def _bearer(portal: Served, email: str) -> dict:
    answer = requests.post(
        portal.url + "/api/v1/tokens", json={"email": email, "password": "demo-password"}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _a_draft(portal: Served, headers: dict) -> dict:
    drafts = requests.get(portal.url + "/api/v1/projects?status=draft", headers=headers, timeout=10).json()["items"]
    assert drafts, "the demo has a draft of the association"
    return drafts[0]


def _upload(portal: Served, headers: dict, project_id: int, name: str, content: bytes):
    return requests.post(
        f"{portal.url}/api/v1/projects/{project_id}/documents",
        headers=headers,
        data={"kind": "quote"},
        files={"file": (name, content)},
        timeout=30,
    )


def test_fourteen_wrong_logins_the_last_four_get_429_whatever_x_forwarded_for(served):
    browser = requests.Session()
    answers = []
    for attempt in range(14):
        token = _csrf(browser, served.url + "/auth/login")
        answer = browser.post(
            served.url + "/auth/login",
            data={"email": "mayor2@example.org", "password": f"wrong guess {attempt}", "csrf_token": token},
            headers={"X-Forwarded-For": f"41.{attempt}.{attempt}.{attempt}"},
            allow_redirects=False,
            timeout=10,
        )
        answers.append(answer.status_code)
    assert answers == [200] * 10 + [429] * 4
    assert int(answer.headers["Retry-After"]) > 0


def test_an_archive_that_inflates_to_gigabytes_is_refused_in_under_a_second(served):
    headers = _bearer(served, "association@example.org")
    draft = _a_draft(served, headers)
    # About 4 MB on the wire; its mimetype member says (and would) inflate to about 4 GB.
    bomb = _archive("mimetype", _inflating_to(3900), 3900 * 2**20)
    assert 3_500_000 < len(bomb) < 4_500_000
    started = time.monotonic()
    answer = _upload(served, headers, draft["id"], "dossier.odt", bomb)
    assert time.monotonic() - started < 1
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "unsupported_file_type"


def test_no_usable_reset_link_remains_in_the_database_file_once_the_mail_has_left(served):
    browser = requests.Session()
    token = _csrf(browser, served.url + "/auth/reset-password")
    answer = browser.post(
        served.url + "/auth/reset-password",
        data={"email": "observer@example.org", "csrf_token": token},
        timeout=10,
    )
    assert answer.status_code == 200
    sent = served.flask("outbox", "work", "--once")  # the worker beside gunicorn, as `make run` starts it
    links = re.findall(r"/auth/reset-password/([A-Za-z0-9._\-]+)", sent.stdout + sent.stderr)
    assert links, "the reset mail left through the console sender"
    reset_token = links[-1]
    assert requests.get(f"{served.url}/auth/reset-password/{reset_token}", timeout=10).status_code == 200  # usable
    stored = b"".join(
        path.read_bytes() for path in served.directory.glob("portal.db*") if path.name.endswith(("db", "-wal"))
    )
    assert served.database.exists() and len(stored) > 0
    for piece in (reset_token, reset_token[:24], reset_token[-24:]):
        assert piece.encode() not in stored


def test_markup_stays_escaped_on_the_page(served):
    headers = _bearer(served, "association@example.org")
    draft = _a_draft(served, headers)
    title = '<script>alert("x")</script><b>Forage</b>'
    changed = requests.patch(
        f"{served.url}/api/v1/projects/{draft['id']}",
        json={"title": title, "version": draft["version"]},
        headers=headers,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    page = _sign_in(served, "association@example.org").get(f"{served.url}/projects/{draft['id']}", timeout=10)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(" in page.text and "&lt;b&gt;Forage&lt;/b&gt;" in page.text
    assert '<script>alert("x")' not in page.text and "<b>Forage</b>" not in page.text


def test_a_forged_upload_is_refused(served):
    headers = _bearer(served, "association@example.org")
    draft = _a_draft(served, headers)
    answer = _upload(served, headers, draft["id"], "devis.pdf", b"<html><script>alert(1)</script></html>")
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "unsupported_file_type"


def test_a_40_mb_upload_is_refused(served):
    headers = _bearer(served, "association@example.org")
    draft = _a_draft(served, headers)
    boundary = "servedportalboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nquote\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="gros.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = 40 * 2**20
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.putrequest("POST", f"/api/v1/projects/{draft['id']}/documents")
    connection.putheader("Authorization", headers["Authorization"])
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.endheaders()
    try:  # the server may answer and close before the whole body is sent
        connection.send(head)
        chunk = b"0" * 2**20
        for _ in range(40):
            connection.send(chunk)
        connection.send(tail)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = connection.getresponse()
    assert answer.status == 413
    assert b"payload_too_large" in answer.read()
    connection.close()


def test_documents_download_as_attachments_with_nosniff(served):
    headers = _bearer(served, "association@example.org")
    draft = _a_draft(served, headers)
    stored = _upload(served, headers, draft["id"], "devis.pdf", PDF)
    assert stored.status_code == 201, stored.text
    url = stored.json()["url"]
    download = requests.get(url if url.startswith("http") else served.url + url, headers=headers, timeout=10)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
