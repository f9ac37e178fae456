if a then
  if b then f() else g() end
elseif c then
  if d then h() end
end
