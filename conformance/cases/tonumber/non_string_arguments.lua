print(tonumber(nil), tonumber(true), tonumber({}) , tonumber(12), tonumber(-0.5))
