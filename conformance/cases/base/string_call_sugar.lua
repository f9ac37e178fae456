local function f(s) return "got " .. s end
print(f"literal", f[[long]], f'single')
