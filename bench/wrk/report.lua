-- bench/wrk/report.lua -- appended to every wrk script that bench/run uses:
-- prints one machine-readable line with exact figures (wrk's own summary
-- rounds them), which bench/run parses. Latencies are in microseconds.
-- With status.lua in front (bench_target -s) the line also carries
-- statuses=CODE:N,CODE:N (every answer by HTTP status, all threads).
done = function(summary, latency, requests)
	local e = summary.errors
	local statuses = ""
	if bench_threads ~= nil then
		local total, codes, parts = {}, {}, {}
		for _, t in ipairs(bench_threads) do
			for code, n in pairs(t:get("bench_status") or {}) do
				if total[code] == nil then
					table.insert(codes, code)
				end
				total[code] = (total[code] or 0) + n
			end
		end
		table.sort(codes)
		for _, code in ipairs(codes) do
			table.insert(parts, code .. ":" .. total[code])
		end
		statuses = " statuses=" .. (#parts > 0 and table.concat(parts, ",") or "none")
	end
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d " ..
	    "p99_us=%d max_us=%d err_connect=%d err_read=%d err_write=%d " ..
	    "err_status=%d err_timeout=%d%s\n",
	    summary.requests, summary.duration, summary.bytes,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max,
	    e.connect, e.read, e.write, e.status, e.timeout, statuses))
end
