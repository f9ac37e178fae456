local x = 1
function f()
  return function()
    return function()
      return function() return x end
    end
  end
end
