"""A local HTTP server standing in for SendGrid's /v3/mail/send, for the outbox tests and the benchmark.

Scriptable: `stub.script(500, 429, "hold", 202)` answers the next requests in that order, then the default
(`stub.decide`, 202 unless replaced). An answer is a status code or "hold": keep the request past the
client's timeout, then drop it without a status. Every request is recorded with its JSON body and what it
was answered.
"""

import json
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOLD = "hold"
ERROR_BODIES = {
    400: {
        "errors": [
            {"message": "The to email does not contain a valid address.", "field": "personalizations.0.to.0.email"}
        ]
    },
    401: {"errors": [{"message": "The provided authorization grant is invalid, expired, or revoked.", "field": None}]},
    429: {"errors": [{"message": "Too many requests", "field": None}]},
    500: {"errors": [{"message": "Internal server error", "field": None}]},
}


@dataclass
class StubRequest:
    path: str
    headers: dict
    body: dict
    answer: int | str

    @property
    def outbox_id(self) -> str | None:
        return (self.body.get("custom_args") or {}).get("outbox_id")

    @property
    def accepted(self) -> bool:
        return isinstance(self.answer, int) and 200 <= self.answer < 300


class SendGridStub:
    def __init__(self, hold_seconds: float = 1.0):
        self.hold_seconds = hold_seconds
        self.requests: list[StubRequest] = []
        self.decide = lambda body: 202
        self._script: list[int | str] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unreadable": raw.decode("utf-8", "replace")}
                answer = stub._answer_for(body)
                stub._record(StubRequest(self.path, dict(self.headers), body, answer))
                if answer == HOLD:
                    stub._released.wait(stub.hold_seconds)
                    self.close_connection = True
                    return  # no status line: the client has given up by now
                payload = b"" if 200 <= answer < 300 else json.dumps(ERROR_BODIES.get(answer, {})).encode()
                try:
                    self.send_response(answer)
                    if 200 <= answer < 300:
                        self.send_header("X-Message-Id", f"stub-{len(stub.requests)}")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            def log_message(self, format, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "SendGridStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def script(self, *answers: int | str) -> None:
        with self._lock:
            self._script.extend(answers)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.decide = lambda body: 202

    def _answer_for(self, body: dict) -> int | str:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        return self.decide(body)

    def _record(self, request: StubRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_for(self, outbox_id: int) -> list[StubRequest]:
        with self._lock:
            return [r for r in self.requests if r.outbox_id == str(outbox_id)]

    def accepted_counts(self) -> Counter:
        """How many times SendGrid accepted each outbox id."""
        with self._lock:
            return Counter(int(r.outbox_id) for r in self.requests if r.accepted and r.outbox_id)

    def attempt_counts(self) -> Counter:
        with self._lock:
            return Counter(int(r.outbox_id) for r in self.requests if r.outbox_id)
