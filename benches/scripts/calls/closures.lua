-- Closures and upvalues: creating closures that share an upvalue, then reading and writing
-- upvalues both while they are open (enclosing frame alive) and once they are closed.
local ROUNDS = 1000000

local function make_counter(start)
  local count = start
  local function add(d)
    count = count + d
    return count
  end
  local function get()
    return count
  end
  return add, get
end

local function compose(f, g)
  return function(x)
    return f(g(x))
  end
end

local function inc(x)
  return x + 1
end

local function double(x)
  return x * 2
end

local checksum = 0
for i = 1, ROUNDS do
  local add, get = make_counter(i % 100)
  add(1)
  add(2)
  add(3)
  local f = compose(inc, double)
  checksum = (checksum + get() + f(i % 1000)) % 1000000007
end

-- A long-lived closure over a closed upvalue, called in a tight loop.
local add, get = make_counter(0)
for i = 1, ROUNDS * 10 do
  add(i % 3)
end

-- An open upvalue: the inner function writes a local of the running loop body.
local total = 0
for i = 1, ROUNDS do
  local acc = 0
  local function bump()
    acc = acc + i
  end
  bump()
  bump()
  total = (total + acc) % 1000000007
end

print(string.format("closures: %d %d %d", checksum, get(), total))
