-- os.setlocale with the C locale
print(os.setlocale())
print(os.setlocale("C"))
print(os.setlocale(nil, "numeric"))
print(os.setlocale("POSIX", "time"))
print(os.setlocale("no_SUCH.locale"))
print(os.setlocale(nil, "all"))
for _, cat in ipairs{"all", "collate", "ctype", "monetary", "numeric", "time"} do print(cat, os.setlocale(nil, cat)) end
print(pcall(os.setlocale, nil, "bogus"))
