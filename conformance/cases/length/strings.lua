print(#"", #"a", #"hello", #"a\0b", #[[xy]])
