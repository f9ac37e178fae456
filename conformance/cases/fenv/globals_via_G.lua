_G.viaG = 5
print(viaG, _G._G == _G, _G["print"] == print)
