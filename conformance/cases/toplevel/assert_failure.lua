assert(false, "assertion message")
