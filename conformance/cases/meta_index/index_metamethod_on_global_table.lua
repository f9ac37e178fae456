setmetatable(_G, {__index = function(_, k) return "default:" .. k end})
print(undefined_thing)
setmetatable(_G, nil)
print(undefined_thing)
