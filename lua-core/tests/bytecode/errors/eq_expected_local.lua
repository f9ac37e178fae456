local x 1
