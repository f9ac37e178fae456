print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "a" < "aa", "b" >= "abc")
