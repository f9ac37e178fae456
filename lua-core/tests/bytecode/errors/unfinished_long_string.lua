x = [[abc
def
