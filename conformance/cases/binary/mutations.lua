-- The loader's verdict on chunks with one byte changed: the same refusal texts as lua5.1.
-- (Chunks that load are not run: lua5.1 itself may crash on them.) Size claims lua5.1 may
-- or may not be able to allocate depending on the machine are reported as "size".
local sources = {
  "local a, b = ... return a + b, {a, b, n = 2}",
  "local t = {} for i = 1, 10 do t[i] = i * 2 end return #t",
  "local function f(x) return function() return x end end return f(1)()",
  "local s = 0 for k, v in pairs({a = 1, b = 2}) do s = s + v end return s",
}
for n, src in ipairs(sources) do
  local d = string.dump(assert(loadstring(src, "=src" .. n)))
  local verdicts = {}
  for i = 13, #d do
    for _, delta in ipairs{1, 255} do
      local m = d:sub(1, i - 1) .. string.char((d:byte(i) + delta) % 256) .. d:sub(i + 1)
      local f, err = loadstring(m)
      if not f then
        if err == "not enough memory" or err:find("unexpected end") then err = "size" end
        verdicts[#verdicts + 1] = i .. "/" .. delta .. " " .. err
      end
    end
  end
  print(n, #d, #verdicts)
  print(table.concat(verdicts, "\n"))
end
