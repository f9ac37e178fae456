-- Method calls through __index: a class table as metatable of its instances, and a
-- subclass whose inherited methods are found through a second __index hop.
local ROUNDS = 3000000

local Account = {}
Account.__index = Account

function Account.new(balance)
  return setmetatable({ balance = balance, ops = 0 }, Account)
end

function Account:deposit(v)
  self.balance = self.balance + v
  self.ops = self.ops + 1
end

function Account:withdraw(v)
  if v > self.balance then
    return false
  end
  self.balance = self.balance - v
  self.ops = self.ops + 1
  return true
end

function Account:get_balance()
  return self.balance
end

local Savings = setmetatable({}, { __index = Account })
Savings.__index = Savings

function Savings.new(balance, percent)
  local s = Account.new(balance)
  s.percent = percent
  return setmetatable(s, Savings)
end

function Savings:add_interest()
  -- get_balance and deposit are inherited: two __index hops each.
  self:deposit(math.floor(self:get_balance() * self.percent / 100))
end

local plain = Account.new(100)
local saver = Savings.new(100, 1)
local refused = 0
for i = 1, ROUNDS do
  plain:deposit(i % 10)
  if not plain:withdraw(i % 13) then
    refused = refused + 1
  end
  saver:deposit(1)
  if i % 1000 == 0 then
    saver:add_interest()
    saver:withdraw(saver:get_balance() - 100)
  end
end

print(string.format("methods: %d %d %d %d %d", plain:get_balance(), plain.ops,
  saver:get_balance(), saver.ops, refused))
