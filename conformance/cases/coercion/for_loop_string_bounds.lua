for i = "1", "3" do print(i, type(i)) end
for i = 1, 2, "0.5" do print(i) end
