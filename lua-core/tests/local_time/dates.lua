-- os.date and os.time in the zone TZ names: offsets, abbreviations, daylight saving time,
-- times in a gap or an overlap, out-of-range fields, isdst requested either way.
local ts = {0, 1593561600, 1603587600, 1616893200, 2000000000, 4102444800, -2208988800, -5000000000}
local out = {}
for _, t in ipairs(ts) do out[#out+1] = os.date("%Y-%m-%d %H:%M:%S %Z %z", t) .. (os.date("*t", t).isdst and " dst" or "") end
print(table.concat(out, " | "))
local tt = {}
for _, d in ipairs{{2020,7,1,0},{2020,1,1,0},{2020,3,29,2,30},{2020,10,25,2,30},{2021,3,14,2,30},{2021,11,7,1,30}} do
  tt[#tt+1] = tostring(os.time{year=d[1],month=d[2],day=d[3],hour=d[4],min=d[5] or 0})
  tt[#tt+1] = tostring(os.time{year=d[1],month=d[2],day=d[3],hour=d[4],min=d[5] or 0,isdst=true})
  tt[#tt+1] = tostring(os.time{year=d[1],month=d[2],day=d[3],hour=d[4],min=d[5] or 0,isdst=false})
end
print(table.concat(tt, " "))
local r = {}
local function add(v) r[#r + 1] = tostring(v) end
add(os.time{year=2020,month=14,day=-5,hour=30,min=-10,sec=75})
add(os.time{year=2020,month=3,day=29,hour=2,min=30,sec=-1})
add(os.time{year=2020,month=3,day=29,hour=2,min=30,sec=61})
add(os.time{year=2021,month=10,day=31,hour=2,min=30,isdst=true})
add(os.time{year=2021,month=10,day=31,hour=2,min=30,isdst=false})
add(os.time{year=2021,month=10,day=31,hour=2,min=30})
add(os.time{year=1900,month=1,day=1})
add(os.time{year=1850,month=6,day=1,isdst=true})
add(os.time{year=2500,month=6,day=1})
add(os.time{year=2500,month=6,day=1,isdst=false})
add(os.date("%s|%Z|%z", 1603589400))
add(os.date("!%s|%Z|%z", 1603589400))
add(os.date("%c", 1e15))
add(os.date("%c", -1e15))
add(os.date("*t", 1616893200).isdst)
add(os.date("*t", 1616893200).hour)
print(table.concat(r, " "))
