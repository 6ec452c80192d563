-- wrk script of tests/bench.py: counts every answer that is not 2xx (wrk's own "Non-2xx or 3xx responses"
-- counts only 4xx and 5xx), then prints one line, "bench {json}", with the totals and the latency percentiles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_2xx = 0
  a_status = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not_2xx = not_2xx + 1
    a_status = status
  end
end

function done(summary, latency, requests)
  local not_ok, status = 0, 0
  for _, thread in ipairs(threads) do
    not_ok = not_ok + thread:get("not_2xx")
    if thread:get("a_status") ~= 0 then
      status = thread:get("a_status")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'bench {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"not_2xx": %d, "a_status": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.max, not_ok, status, errors.connect, errors.read, errors.write, errors.timeout))
end
