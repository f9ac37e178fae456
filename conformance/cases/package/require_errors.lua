-- require: the messages of each failure
package.path = "./?.luamod;./pkg_dir/?/init.luamod"
package.cpath = "./?.somod"
print(pcall(require, "nowhere"))
print(pcall(require, "a.b.c"))
print(pcall(require, "pkg_syntax"))
print(pcall(require, "pkg_fails"))
print(pcall(require, "pkg_fails"))
print(pcall(require, "pkg_loop"))
print(pcall(require))
print(pcall(require, {}))
package.preload.bad = 42
print(pcall(require, "bad"))
local loaders = package.loaders
package.loaders = {function() return 7 end, function() return true end, function(n) return "\n\tcustom " .. n end}
print(pcall(require, "custom"))
package.loaders = {42}
print(pcall(require, "custom"))
package.loaders = nil
print(pcall(require, "custom"))
package.loaders = loaders
package.path = nil
print(pcall(require, "nopath"))
package.path = 12
print(pcall(require, "nopath"))
package.path = "./?.luamod"
package.preload = nil
print(pcall(require, "nopreload"))
