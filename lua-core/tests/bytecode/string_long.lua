local s = [[
first line skipped]]
s = [==[with ]] inside]==]
s = [[a
b
c]]
s = [=[
]=]
s = [[]]
