local cfg = {}
print(pcall(function() return cfg.a.b.c end))
