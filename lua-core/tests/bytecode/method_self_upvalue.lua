local obj = {}
function obj:m()
  return function() return self end
end
