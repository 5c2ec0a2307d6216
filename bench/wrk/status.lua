-- bench/wrk/status.lua -- prepended by `bench_target -s` (and
-- bench_background -s): counts the answers by HTTP status in each wrk
-- thread; report.lua's done() adds the threads up and prints them as
-- statuses=CODE:N,... on its BENCH line. It defines setup() and response(),
-- so a target script used with -s must define neither. Defining response()
-- costs wrk a Lua call per answer: use it where the statuses are the result
-- (the login gate's 503s), not on the fast platform targets.
bench_threads = {}
bench_status = {}
setup = function(thread)
	table.insert(bench_threads, thread)
end
response = function(status, headers, body)
	bench_status[status] = (bench_status[status] or 0) + 1
end
