print(tonumber("-ff", 16), tonumber("-1", 10), tonumber("-10", 2))
