elseif x then
