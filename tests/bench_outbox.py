"""Outbox throughput: queue N mails, deliver them through the real sendgrid client to a local stub.

    .venv/bin/python -m tests.bench_outbox [--messages 1000] [--workers 1] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary directory; with a PostgreSQL URL it
empties that database first (it runs the migrations from nothing). Prints messages per second, counting from
the first claim to the last recorded outcome.
"""

import argparse
import os
import tempfile
import threading
import time

import sqlalchemy as sa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)

    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import OutboxMessage, OutboxStatus
    from portal.notifications.outbox import queue_mail
    from portal.notifications.worker import drain
    from tests.conftest import reset_database
    from tests.sendgrid_stub import SendGridStub

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        stub = SendGridStub().start()
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url,
            SENDGRID_API_KEY="bench-key",
            SENDGRID_API_HOST=stub.url,
            SENDGRID_TIMEOUT=5,
            OUTBOX_BATCH_SIZE=args.batch_size,
        )
        import logging

        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            reset_database()
            upgrade()
            body = "Bonjour,\n\n" + "Une ligne de texte du courriel. " * 20 + "\n"
            for n in range(args.messages):
                queue_mail("bench", f"person{n}@example.org", f"Message {n}", body, f"<p>{body}</p>")
            db.session.commit()

        started = time.perf_counter()
        threads = [threading.Thread(target=drain, args=(app,)) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        stub.stop()

        with app.app_context():
            sent = db.session.scalar(
                sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
            )
            db.engine.dispose()
        accepted = stub.accepted_counts()
        duplicates = sum(count - 1 for count in accepted.values())
        print(
            f"{sent}/{args.messages} mails sent by {args.workers} worker(s) on {sa.make_url(url).get_backend_name()} "
            f"in {elapsed:.2f} s: {sent / elapsed:.0f} messages/second ({duplicates} duplicates)"
        )


if __name__ == "__main__":
    main()
