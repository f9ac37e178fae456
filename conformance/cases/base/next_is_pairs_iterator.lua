print(pairs({}) == next)
