local a = t.x.y.z
a = t[1][2][3]
a = t['x'].y[z]
a = t[a + 1]
a = t[f()]
