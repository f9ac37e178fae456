local s = 'a\tb\nc\\d\"e\'f'
s = "\a\b\f\v\r\0\1\127\255"
s = '\65\066\0677'
s = 'line\
break'
s = '\q\z'
