print("never runs")
if true then
  print(1)
