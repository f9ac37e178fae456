local t = {...}
function g() return {...} end
