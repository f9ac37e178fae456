-- string.len and the # operator agree, numbers are converted, zero bytes count.
print(string.len(""), string.len("abc"), string.len("a\0b"), string.len(123), string.len(1.5))
print(#"hello", ("hello"):len())
print(pcall(function() return string.len() end))
print(pcall(function() return string.len({}) end))
print(pcall(function() return string.len(nil) end))
