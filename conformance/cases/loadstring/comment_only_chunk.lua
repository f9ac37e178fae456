print(select("#", loadstring("-- nothing")()))
