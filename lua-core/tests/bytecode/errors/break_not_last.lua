while true do break x = 1 end
