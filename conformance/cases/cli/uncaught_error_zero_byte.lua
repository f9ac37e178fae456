-- An uncaught error is printed with %s: the message (and its traceback) stop at a zero byte.
error("a\0b")
