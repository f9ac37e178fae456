local a
if a then f() end
if a then f() else g() end
if a then f() elseif b then g() end
if a then f() elseif b then g() elseif c then h() else i() end
