"""Durable mail: the outbox, its senders, its worker, and the rendering of mails.

Operations call `queue_user_mail` (or `render_mail` + `queue_mail`) inside their transaction; the worker
(`flask outbox work`) delivers what was committed, at least once, with retries.
"""
