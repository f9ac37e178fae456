do local a = 1 end
do local b = 2; do local c = b end end
local d
do d = 1 end
