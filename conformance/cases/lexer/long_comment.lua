--[[ this is
a long comment ]] print("after comment")
--[==[ level
two ]] still ]==] print("after level two")
print("end")
