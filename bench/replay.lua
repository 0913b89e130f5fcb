-- replay.lua - wrk script: send precomputed AK/SK-signed requests
-- (bench/benchreq.c; each one signed by the project's signer with its own
-- X-Sdk-Date) in turn, each wrk thread its own share of them.
--
--   wrk -t T -c C -d D -s replay.lua URL -- FILE T MODE [STATIC]
--
-- MODE "cycle" starts over at the end of the share (reads: requests may
-- repeat); "once" does too, but counts the requests sent a second time
-- (deletes: every request must name different IDs, so the share must
-- outlast the run; done() reports "recycled").  STATIC, for nginx, adds the header
-- X-Bench-File: STATIC (bench/run.sh's nginx serves that file, or each
-- page's own file, see static_file; the request is otherwise byte for byte
-- the one wksjobs gets).
-- done() prints one line "BENCH {json}" for bench/run.sh.

local threads, nthread = {}, 0

function setup(thread)
   thread:set("tid", nthread)
   nthread = nthread + 1
   table.insert(threads, thread)
end

-- The file nginx serves for request r: STATIC itself, or, when STATIC
-- ends in "/" (a scenario of many pages), the file of r's own page in that
-- directory: its query string with every character but letters and digits
-- made "_", then ".json" (bench/lib.sh saves the pages under these names).
function static_file(static, r)
   if static:sub(-1) ~= "/" then return static end
   local q = r:match("^%S+ [^?%s]*%?(%S*) HTTP/") or ""
   return static .. q:gsub("[^%w]", "_") .. ".json"
end

local reqs, n, idx, once, sent = {}, 0, 0, false, 0
recycled = 0

function init(args)
   local path, nthreads, mode, static = args[1], tonumber(args[2]), args[3], args[4]
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   once = mode == "once"
   local pos, i = 1, 0
   while pos <= #data do
      local nl = data:find("\n", pos, true)
      local len = tonumber(data:sub(pos, nl - 1))
      local r = data:sub(nl + 1, nl + len)
      if i % nthreads == tid then
         if static then
            r = r:gsub("\r\n", "\r\nX-Bench-File: " .. static_file(static, r) .. "\r\n", 1)
         end
         n = n + 1
         reqs[n] = r
      end
      i = i + 1
      pos = nl + 1 + len
   end
   assert(n > 0, "no requests for this thread in " .. path)
end

function request()
   idx = idx + 1
   sent = sent + 1
   if idx > n then
      -- Out of requests: start over.  For a "once" share that means
      -- repeated IDs (already deleted, so cheaper): counted and reported,
      -- and bench/run.sh marks such a run invalid.
      idx = 1
   end
   if once and sent > n then recycled = sent - n end
   return reqs[idx]
end

function done(summary, latency, requests)
   local e, rec = summary.errors, 0
   for _, t in ipairs(threads) do rec = rec + t:get("recycled") end
   io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"rps":%.1f,' ..
      '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"errors":%d,"bytes":%d,' ..
      '"recycled":%d}\n',
      summary.requests, summary.duration, summary.requests / summary.duration * 1e6,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect + e.read + e.write + e.timeout, summary.bytes, rec))
end
