f 'a' 'b' (
