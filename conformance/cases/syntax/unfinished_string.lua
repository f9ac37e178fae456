print("never runs")
local s = "abc
