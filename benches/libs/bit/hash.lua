-- Lua BitOp in a tight loop: a 32-bit string hash (rotate, xor, add) over 4 MB of input,
-- then the other operations on every value once.
local bit = bit or require("bit")
local band, bor, bxor, rol, ror = bit.band, bit.bor, bit.bxor, bit.rol, bit.ror
local lshift, rshift, arshift, tobit = bit.lshift, bit.rshift, bit.arshift, bit.tobit
local byte = string.byte
local chunk = string.rep("The quick brown fox jumps over the lazy dog. ", 100)
local h = 0x811c9dc5
for _ = 1, 1000 do
  for i = 1, #chunk do
    h = tobit(bxor(rol(h, 5), byte(chunk, i)) + 0x9e3779b9)
  end
end
print(bit.tohex(h))
local acc = 0
for i = 1, 2000000 do
  acc = bxor(acc, bor(band(lshift(i, 3), 0xff00), rshift(i, 2)), arshift(-i, 4), ror(i, 7))
end
print(acc, bit.tohex(acc, -8), bit.bswap(acc), bit.bnot(acc))
