print([[a\nb\t\\]])
