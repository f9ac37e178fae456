print(tonumber("10"), tonumber("  10  "), tonumber("-3.5"), tonumber("1e3"), tonumber(".5"))
