print(tonumber("10a"), tonumber("5."), tonumber("5.."), tonumber("1e+"), tonumber("- 1"))
