local function explist() return next, {5, 6}, nil, "ignored" end
for k, v in explist() do print(k, v) end
