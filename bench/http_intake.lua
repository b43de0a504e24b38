-- wrk script: POSTs reports to /api/v1/reports, each with a distinct description so that no two
-- bodies are identical, and counts the answers by status.
local counter = 0
local statuses = {}

request = function()
  counter = counter + 1
  local body = string.format(
    '{"targets":["192.0.2.%d"],"abuse_type":"phishing","observed_at":"%s",' ..
    '"reporter":{"kind":"person","name":"Load Test","email":"load@example.org"},' ..
    '"description":"Load test report number %d from wrk thread.","good_faith":true,' ..
    '"language":"en"}', counter % 250, os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 3600), counter)
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d, errors: %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
