-- the package table as opened by the interpreter
for k, v in pairs(package) do print(k, type(v)) end
print(package.path)
print(package.cpath)
print(package.config)
for k in pairs(package.loaded) do print("loaded", k) end
for i, f in ipairs(package.loaders) do print("loader", i, type(f)) end
print(pcall(package.loadlib))
print(pcall(package.loadlib, "x"))
print(type(require), type(module), getfenv(require) == _G)
