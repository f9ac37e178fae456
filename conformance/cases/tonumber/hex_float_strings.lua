print(tonumber("0x1p4"), tonumber("0x.8"), tonumber("0x1.8"))
