local s = [[ never closed
