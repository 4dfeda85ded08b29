-- wrk script: POST one encoded image as a raw image body to the classify endpoint.
--   wrk -t1 -c64 -d20s --latency -s bench/wrk-classify.lua \
--       http://127.0.0.1:8080/api/v1/models/<model>/classify  -- <image file> [api key or ""] [requests/s connections]
-- With a rate (and the -c count again: wrk does not tell scripts), each connection waits connections/rate seconds
-- between its requests, a paced load such as 1,000 requests/s from 16 connections; without one, every connection sends its next request as soon as the answer
-- arrives (closed loop, as fast as the service goes).
-- A C load generator leaves more of a 2-core machine to the service than a JVM client does.
local image_path, api_key, pause_ms

function init(args)
  image_path = args[1] or "src/test/resources/images/bars.webp"
  api_key = args[2] ~= "" and args[2] or nil
  local rate, connections = tonumber(args[3] or ""), tonumber(args[4] or "1")
  if rate and rate > 0 then
    pause_ms = connections * 1000 / rate  -- one wrk thread (-t1) holds every connection
  end
  local file = assert(io.open(image_path, "rb"))
  wrk.body = file:read("*all")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = image_path:match("%.png$") and "image/png"
      or image_path:match("%.jpe?g$") and "image/jpeg" or "image/webp"
  if api_key then
    wrk.headers["X-API-Key"] = api_key
  end
end

function delay()
  return pause_ms or 0
end

function done(summary, latency, requests)
  io.write(string.format("%.0f requests/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  errors %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, latency.max / 1000, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))  -- errors.status: answers other than 2xx/3xx
end
