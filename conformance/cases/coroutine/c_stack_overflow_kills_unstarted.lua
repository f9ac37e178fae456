-- A coroutine that cannot start because the C stack is full gets "C stack overflow" and is
-- dead from then on (lua5.1's resume_error empties its stack); a suspended one keeps waiting.
local function level(n)
  return coroutine.create(function(x)
    local co = level(n + 1)
    local ok, v = coroutine.resume(co, x)
    if not ok and not failed then
      -- The innermost failure, then the same coroutine resumed again.
      failed = {v, coroutine.status(co), coroutine.resume(co, x)}
    end
    return v
  end)
end
print(coroutine.resume(level(1), "start"))
print(unpack(failed))
-- A coroutine suspended in yield is not killed by a failed resume.
local waiting = coroutine.create(function() coroutine.yield("first") return "second" end)
print(coroutine.resume(waiting))
local function deep(n)
  if n == 0 then return coroutine.resume(waiting) end
  local co = coroutine.create(deep)
  return select(2, coroutine.resume(co, n - 1))
end
print(deep(300))
print(coroutine.status(waiting), coroutine.resume(waiting))
