-- Field access on small objects: reading and writing constant string fields (t.x) of
-- tables that live in the hash part, as vector arithmetic code does.
local OBJECTS = 1000
local STEPS = 5000

local particles = {}
for i = 1, OBJECTS do
  particles[i] = { x = i, y = i * 2, vx = i % 7 - 3, vy = i % 5 - 2, hits = 0 }
end

local WIDTH, HEIGHT = 5000, 5000
for _ = 1, STEPS do
  for i = 1, OBJECTS do
    local p = particles[i]
    p.x = p.x + p.vx
    p.y = p.y + p.vy
    if p.x < 0 or p.x > WIDTH then
      p.vx = -p.vx
      p.hits = p.hits + 1
    end
    if p.y < 0 or p.y > HEIGHT then
      p.vy = -p.vy
      p.hits = p.hits + 1
    end
  end
end

local sx, sy, hits = 0, 0, 0
for i = 1, OBJECTS do
  local p = particles[i]
  sx, sy, hits = sx + p.x, sy + p.y, hits + p.hits
end

print(string.format("fields: %d %d %d", sx, sy, hits))
