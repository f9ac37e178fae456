local e = setmetatable({}, {__tostring = function() return "custom error" end})
local ok, err = pcall(error, e)
print(ok, tostring(err))
