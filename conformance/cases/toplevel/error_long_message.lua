local s = ""
for i = 1, 50 do s = s .. "word" .. i .. " " end
error(s)
