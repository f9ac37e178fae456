--[[ abc

x = 1
