print('say "hi"', "it's")
