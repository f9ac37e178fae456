function globalfn()
  error("from global function")
end
globalfn()
