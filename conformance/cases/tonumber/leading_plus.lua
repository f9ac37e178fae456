print(tonumber("+5"), tonumber("+0x10"), tonumber("+"))
