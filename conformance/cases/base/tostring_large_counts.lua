print(select("#", tostring(1), tostring(2)))
