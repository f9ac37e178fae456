local a,b,c,d = 1,2,3,4
x = a + b * c - d / a
x = a ^ b ^ c
x = -a ^ b
x = not a == b
x = a .. b .. c
x = a + b .. c * d
x = a < b and b <= c or c > d
x = #a + -b
