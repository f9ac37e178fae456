x = 1 [==[long
string]==]
