local obj = {}
function obj:run() error("method failed") end
obj:run()
