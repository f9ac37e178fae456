-- binary-trees (Computer Language Benchmarks Game): allocating many short-lived small
-- tables and one long-lived tree, so it measures allocation and garbage collection.
local MAX_DEPTH = 14

local function bottom_up_tree(depth)
  if depth > 0 then
    depth = depth - 1
    return { bottom_up_tree(depth), bottom_up_tree(depth) }
  end
  return {}
end

local function item_check(tree)
  if tree[1] then
    return 1 + item_check(tree[1]) + item_check(tree[2])
  end
  return 1
end

local MIN_DEPTH = 4
local stretch_depth = MAX_DEPTH + 1
local checksum = item_check(bottom_up_tree(stretch_depth))

local long_lived = bottom_up_tree(MAX_DEPTH)
for depth = MIN_DEPTH, MAX_DEPTH, 2 do
  local iterations = 2 ^ (MAX_DEPTH - depth + MIN_DEPTH)
  local check = 0
  for _ = 1, iterations do
    check = check + item_check(bottom_up_tree(depth))
  end
  checksum = checksum + check
end
checksum = checksum + item_check(long_lived)

print(string.format("binary-trees(%d): %d", MAX_DEPTH, checksum))
