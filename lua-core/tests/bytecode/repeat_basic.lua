local i = 0
repeat i = i + 1 until i >= 10
repeat f() until x
repeat local a = f() until a
