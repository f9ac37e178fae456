print(0xffffffffffffffff, 0x1p4 == nil)
