print(true == true, false ~= false, not false == true)
