local ok, e = pcall(error, "caught once")
error(e, 0)
