print(tonumber("inf"), tonumber("nan"), tonumber("1e400"), tonumber("-1e400"))
