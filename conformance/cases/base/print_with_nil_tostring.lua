local saved = tostring
tostring = nil
local ok, err = pcall(print, 1)
tostring = saved
print(ok, err)
