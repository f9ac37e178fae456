print([==[a]]b]=]c]==])
print([=[x[[y]]z]=])
print([[]])
print(#[====[]====])
