-- wrk script: POST one pre-made consultation request per call, each thread
-- taking every n-th body so that no two requests share a form token.
-- Arguments: the bodies file (one urlencoded form per line), thread count,
-- and the first body to use (bodies before it went out in earlier rounds).
local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  step = tonumber(args[2])
  index = tonumber(args[3]) + thread_id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local body = bodies[(index % #bodies) + 1]
  index = index + step
  return wrk.format(nil, nil, nil, body)
end
