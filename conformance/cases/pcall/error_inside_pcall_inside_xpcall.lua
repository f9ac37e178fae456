print(xpcall(function()
  local ok, e = pcall(error, "caught")
  return "continued", e
end, function(m) return "handler " .. m end))
