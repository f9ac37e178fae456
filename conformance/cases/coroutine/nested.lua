-- Coroutines resuming coroutines: values and errors cross each level.
local function level(n)
  return coroutine.create(function(x)
    if n == 0 then
      local y = coroutine.yield(x .. "!")
      error("deep " .. y)
    end
    local co = level(n - 1)
    local ok, v = coroutine.resume(co, x .. n)
    local back = coroutine.yield(v)
    print("level", n, coroutine.resume(co, back))
    return "level " .. n .. " done"
  end)
end
local top = level(3)
print(coroutine.resume(top, "start"))
print(coroutine.resume(top, "again"))
print(coroutine.status(top))
-- a chain of 150 nested resumes
local function chain(n)
  if n == 0 then return coroutine.yield("bottom") end
  local co = coroutine.create(chain)
  local ok, v = coroutine.resume(co, n - 1)
  return v
end
local co = coroutine.create(chain)
print(coroutine.resume(co, 150))
-- too deep: the C stack limit stops it with an error value, not a crash
local function endless()
  local co = coroutine.create(endless)
  local ok, err = coroutine.resume(co)
  if not ok then return err end
  return err
end
print(endless())
