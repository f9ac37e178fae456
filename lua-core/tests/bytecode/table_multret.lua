local t = {f()}
t = {1, f()}
t = {f(), 1}
t = {f(), g()}
t = {(f())}
t = {x = f(), g()}
