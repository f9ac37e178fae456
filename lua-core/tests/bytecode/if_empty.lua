if a then end
if a then else end
if a then elseif b then else end
