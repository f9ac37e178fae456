print(tonumber(""), tonumber(" "), tonumber("abc"), tonumber("1 2"), tonumber("1e"), tonumber("0x"))
