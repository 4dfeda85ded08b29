-- wrk script: POST one encoded image as a raw image body to the classify endpoint.
--   wrk -t1 -c64 -d20s --latency -s bench/wrk-classify.lua \
--       http://127.0.0.1:8080/api/v1/models/<model>/classify  -- <image file> [api key]
-- A C load generator leaves more of a 2-core machine to the service than a JVM client does.
local image_path, api_key

function init(args)
  image_path = args[1] or "src/test/resources/images/bars.webp"
  api_key = args[2]
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

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d\n",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))  -- errors.status: answers other than 2xx/3xx
end
