-- claim.lua - wrk script: workers' claim -> finish cycle on the internal
-- API.  A finish names the sub-job and lease that a claim just returned,
-- so these requests cannot be precomputed: each is signed here, at send
-- time, with SDK-HMAC-SHA256 (SHA-256 and HMAC in pure Lua on LuaJIT's
-- bit library; wrk bundles no crypto).  Each connection acts as a worker:
-- a claim of up to MAX sub-jobs (1 by default), then the finish of each
-- as SUCCESS, then the next claim.  WORKER names the workers (worker_id
-- WORKER-<thread>; "bench" by default), so that several wrk processes
-- can drive one cluster.
--
--   wrk -t T -c C -d D -s claim.lua http://HOST:INTERNAL_PORT -- AK SK [MAX [WORKER]]
--
-- done() prints "BENCH {json}" with cycles (finished sub-jobs) per second.

local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, lshift, ror, tobit, tohex = bit.rshift, bit.lshift, bit.ror, bit.tobit, bit.tohex

local K = {
   0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
   0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
   0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
   0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
   0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
   0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
   0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
   0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end

local W = {}

-- SHA-256 of msg: 8 32-bit words.
local function sha256_words(msg)
   local len = #msg
   local bits = len * 8
   -- Padding and the 64-bit length (messages here are far below 512 MB).
   msg = msg .. "\128" .. string.rep("\0", (55 - len) % 64) .. "\0\0\0\0" ..
      string.char(band(rshift(bits, 24), 255), band(rshift(bits, 16), 255),
         band(rshift(bits, 8), 255), band(bits, 255))
   local h1, h2, h3, h4 = tobit(0x6a09e667), tobit(0xbb67ae85), tobit(0x3c6ef372), tobit(0xa54ff53a)
   local h5, h6, h7, h8 = tobit(0x510e527f), tobit(0x9b05688c), tobit(0x1f83d9ab), tobit(0x5be0cd19)
   for i = 1, #msg, 64 do
      for j = 0, 15 do
         local a, b, c, d = msg:byte(i + j * 4, i + j * 4 + 3)
         W[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
      end
      for j = 16, 63 do
         local v15, v2 = W[j - 15], W[j - 2]
         local s0 = bxor(ror(v15, 7), ror(v15, 18), rshift(v15, 3))
         local s1 = bxor(ror(v2, 17), ror(v2, 19), rshift(v2, 10))
         W[j] = tobit(W[j - 16] + s0 + W[j - 7] + s1)
      end
      local a, b, c, d, e, f, g, h = h1, h2, h3, h4, h5, h6, h7, h8
      for j = 0, 63 do
         local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
         local ch = bxor(band(e, f), band(bnot(e), g))
         local t1 = h + S1 + ch + K[j + 1] + W[j]
         local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
         local maj = bxor(band(a, b), band(a, c), band(b, c))
         h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
      end
      h1, h2, h3, h4 = tobit(h1 + a), tobit(h2 + b), tobit(h3 + c), tobit(h4 + d)
      h5, h6, h7, h8 = tobit(h5 + e), tobit(h6 + f), tobit(h7 + g), tobit(h8 + h)
   end
   return { h1, h2, h3, h4, h5, h6, h7, h8 }
end

local function words_hex(w)
   local t = {}
   for i = 1, 8 do t[i] = tohex(w[i], 8) end
   return table.concat(t)
end

local function words_bin(w)
   local t = {}
   for i = 1, 8 do
      local x = w[i]
      t[i] = string.char(band(rshift(x, 24), 255), band(rshift(x, 16), 255),
         band(rshift(x, 8), 255), band(x, 255))
   end
   return table.concat(t)
end

local function sha256_hex(s) return words_hex(sha256_words(s)) end

local function xor_pad(key, byte)
   local t = {}
   for i = 1, 64 do t[i] = string.char(bxor(key:byte(i) or 0, byte)) end
   return table.concat(t)
end

local ak, ipad, opad, host
local function hmac_hex(msg)
   return sha256_hex(opad .. words_bin(sha256_words(ipad .. msg)))
end

-- Sign and format one POST with a JSON body (docs/API.md#authentication).
local function signed_post(path, body)
   local date = os.date("!%Y%m%dT%H%M%SZ")
   local signed = "content-type;host;x-sdk-date"
   local canonical = "POST\n" .. path .. "/\n\n" ..
      "content-type:application/json\nhost:" .. host .. "\nx-sdk-date:" .. date .. "\n\n" ..
      signed .. "\n" .. sha256_hex(body)
   local sts = "SDK-HMAC-SHA256\n" .. date .. "\n" .. sha256_hex(canonical)
   return "POST " .. path .. " HTTP/1.1\r\nHost: " .. host ..
      "\r\nX-Sdk-Date: " .. date .. "\r\nContent-Type: application/json\r\n" ..
      "Authorization: SDK-HMAC-SHA256 Access=" .. ak .. ", SignedHeaders=" .. signed ..
      ", Signature=" .. hmac_hex(sts) .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local threads, nthread = {}, 0

function setup(thread)
   thread:set("tid", nthread)
   nthread = nthread + 1
   table.insert(threads, thread)
end

local leased = {}      -- claimed and not yet finished: {id, lease}
local claim_body
finished, claimed, empty = 0, 0, 0

function init(args)
   ak = args[1]
   ipad, opad = xor_pad(args[2], 0x36), xor_pad(args[2], 0x5c)
   host = wrk.host .. ":" .. wrk.port
   claim_body = '{"worker_id":"' .. (args[4] or "bench") .. '-' .. tid ..
      '","host":"10.9.0.' .. (tid + 1) .. '","max":' .. (tonumber(args[3]) or 1) ..
      ',"lease_seconds":600}'
   -- Self-check of the hash on FIPS 180-2's "abc" vector.
   assert(sha256_hex("abc") ==
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
end

function request()
   local j = table.remove(leased)
   if j then
      return signed_post("/v1/internal/sub-jobs/" .. j[1] .. "/finish",
         '{"lease_id":"' .. j[2] .. '","status":"SUCCESS"}')
   end
   return signed_post("/v1/internal/sub-jobs/claim", claim_body)
end

function response(status, headers, body)
   if status ~= 200 then return end
   if body:find('"sub_jobs"', 1, true) then
      -- Each claimed sub-job's object starts with its id and holds its
      -- lease_id (its entities object has no "id").
      local n = 0
      for id, lease in body:gmatch('{"id":"(%x+)".-"lease_id":"(%x+)"') do
         n = n + 1
         table.insert(leased, { id, lease })
      end
      claimed = claimed + n
      if n == 0 then empty = empty + 1 end
   else
      finished = finished + 1
   end
end

function done(summary, latency, requests)
   local f, c, em = 0, 0, 0
   for _, t in ipairs(threads) do
      f = f + t:get("finished")
      c = c + t:get("claimed")
      em = em + t:get("empty")
   end
   local e = summary.errors
   io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"rps":%.1f,' ..
      '"cycles":%d,"cycles_per_s":%.1f,"claimed":%d,"empty_claims":%d,' ..
      '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"errors":%d,"bytes":%d}\n',
      summary.requests, summary.duration, summary.requests / summary.duration * 1e6,
      f, f / summary.duration * 1e6, c, em,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
