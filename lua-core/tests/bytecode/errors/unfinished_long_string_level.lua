x = [==[abc]=]
