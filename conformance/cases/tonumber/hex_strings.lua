print(tonumber("0x10"), tonumber("0XFF"), tonumber("  0x1f  "), tonumber("-0x10"))
