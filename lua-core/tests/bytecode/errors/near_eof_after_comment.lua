x = -- comment
