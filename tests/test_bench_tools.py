"""The benchmark's own tools (tests/bench.py): reading wrk's output, and the sign-in it does through the form."""

import pytest

from tests.bench import csrf_token, database_url, parse_wrk, session_cookie

# Captured from wrk 4.1.0 with tests/bench_report.lua against gunicorn: a bare Flask app; the portal's /projects
# (which redirects to /projects/); the portal's CSV export with --timeout 1s, longer than it takes.
HELLO = """\
Running 3s test @ http://127.0.0.1:18412/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.86ms    9.00ms  97.41ms   92.04%
    Req/Sec     1.30k   636.06     2.80k    66.67%
  Latency Distribution
     50%    5.29ms
     75%    7.54ms
     90%   14.34ms
     99%   49.38ms
  7783 requests in 3.03s, 1.23MB read
Requests/sec:   2564.83
Transfer/sec:    415.83KB
bench {"requests": 7783, "duration_us": 3034508, "bytes": 1292131, "p50_us": 5289, "p99_us": 49383, \
"max_us": 97413, "not_2xx": 0, "a_status": 0, "connect_errors": 0, "read_errors": 0, "write_errors": 0, \
"timeouts": 0}
"""

REDIRECT = """\
Running 2s test @ http://127.0.0.1:18413/projects
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.43ms   21.21ms 145.95ms   86.76%
    Req/Sec   515.53    301.15   848.00     60.00%
  Latency Distribution
     50%   10.49ms
     75%   21.14ms
     90%   47.73ms
     99%  109.31ms
  2062 requests in 2.03s, 1.83MB read
Requests/sec:   1017.66
Transfer/sec:      0.90MB
bench {"requests": 2062, "duration_us": 2026226, "bytes": 1920402, "p50_us": 10489, "p99_us": 109307, \
"max_us": 145952, "not_2xx": 2062, "a_status": 308, "connect_errors": 0, "read_errors": 0, "write_errors": 0, \
"timeouts": 0}
"""

SLOW = """\
Running 3s test @ http://127.0.0.1:18413/api/v1/export/projects.csv
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  1 requests in 3.18s, 64.85KB read
  Socket errors: connect 0, read 0, write 0, timeout 1
Requests/sec:      0.31
Transfer/sec:     20.39KB
bench {"requests": 1, "duration_us": 3180760, "bytes": 66403, "p50_us": 0, "p99_us": 0, "max_us": 0, \
"not_2xx": 0, "a_status": 0, "connect_errors": 0, "read_errors": 0, "write_errors": 0, "timeouts": 1}
"""


def test_wrk_figures_are_the_ones_wrk_printed():
    figures = parse_wrk(HELLO)
    assert figures["requests"] == 7783
    assert figures["rps"] == pytest.approx(2564.83, abs=0.01)  # "Requests/sec:   2564.83"
    assert figures["p50"] == pytest.approx(5.29, abs=0.005)  # "50%    5.29ms"
    assert figures["p99"] == pytest.approx(49.38, abs=0.005)  # "99%   49.38ms"
    assert (figures["not_2xx"], figures["errors"]) == (0, 0)


def test_a_redirect_counts_as_not_served_though_wrk_says_nothing():
    # wrk's own "Non-2xx or 3xx responses" line counts only 4xx and 5xx: it is absent from this sample.
    assert "Non-2xx" not in REDIRECT
    figures = parse_wrk(REDIRECT)
    assert (figures["not_2xx"], figures["status"]) == (2062, 308)


def test_an_answer_after_the_timeout_is_an_error_and_has_no_latency():
    # wrk counts the late answer among the requests but keeps no time for it (its percentiles read 0.00us).
    figures = parse_wrk(SLOW)
    assert (figures["requests"], figures["errors"]) == (1, 1)
    assert figures["rps"] == pytest.approx(0.31, abs=0.005)  # "Requests/sec:      0.31"
    assert (figures["p50"], figures["p99"]) == (None, None)


def test_output_without_the_report_line_is_refused():
    with pytest.raises(ValueError):
        parse_wrk(HELLO.split("bench {")[0])


def test_the_sign_in_reads_the_form_token_and_the_session_cookie():
    form = (
        '<form method="post" action="/auth/login"><input id="csrf_token" name="csrf_token" type="hidden" '
        'value="IjQ1Zj.aGV&amp;sbG8"><input type="hidden" name="next" value="/"></form>'
    )
    assert csrf_token(form) == "IjQ1Zj.aGV&sbG8"
    headers = ["lang=fr; Path=/", "session=.eJw.abc; HttpOnly; Path=/; SameSite=Lax"]
    assert session_cookie(headers) == "session=.eJw.abc"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://postgres@127.0.0.1:5432/bench", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"),
        ("postgresql://postgres@127.0.0.1:5432/bench", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"),
        ("sqlite:////tmp/bench.db", "sqlite:////tmp/bench.db"),
    ],
)
def test_both_forms_of_postgresql_url_are_accepted(given, used):
    assert database_url(given) == used
