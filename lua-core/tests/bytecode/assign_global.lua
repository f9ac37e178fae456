x = 1
y = 'a'
z = nil
w = true
v = false
