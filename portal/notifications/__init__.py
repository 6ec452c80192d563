"""Notifications and durable mail: the events table, the in-app inbox, preferences and digests, the outbox,
its senders, its worker, and the rendering of mails.

Domain operations call `notify(event, actor=…, **context)` (events.py) inside their transaction: it writes the
in-app notifications and queues mail through `queue_user_mail` (or `render_mail` + `queue_mail`); the worker
(`flask outbox work`) delivers what was committed, at least once, with retries.
"""
