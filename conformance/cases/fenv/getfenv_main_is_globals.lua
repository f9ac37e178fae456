print(getfenv() == _G, getfenv(0) == _G, getfenv(1) == _G)
