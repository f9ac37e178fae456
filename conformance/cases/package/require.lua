-- require: search along package.path, caching in package.loaded, values returned
package.path = "./?.luamod"
package.cpath = "./?.somod"
local m = require("pkg_simple")
print(m.name, m.loads, package.loaded.pkg_simple == m)
print(require("pkg_simple") == m, loads)
print(require("pkg_noreturn"), noreturn_ran, package.loaded.pkg_noreturn)
print(require("pkg_setsloaded"))
package.preload.virtual = function(...) print("preload loader got", ...) return "virtual value" end
print(require("virtual"))
print(require("string") == string, require("_G") == _G, require("debug") == debug)
package.loaded.pkg_simple = nil
print(require("pkg_simple").loads)
local m = require("pkg_module")
print(m._NAME, m._PACKAGE, m._M == m, m.get())
print(pkg_module == m, value)
