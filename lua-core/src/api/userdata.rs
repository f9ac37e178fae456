//! Rust values in Lua: userdata with methods and metamethods.
//!
//! A type implementing [`UserData`] lists its methods once, in [`UserData::add_methods`]; the
//! first [`Lua::create_userdata`] of that type builds its metatable (methods in an `__index`
//! table, metamethods as fields) and every later one shares it. The value itself lives in the
//! Lua heap inside a `RefCell`, so methods borrow it for the duration of a call; a method that
//! re-enters the same object mutably gets an error, never a panic.

use super::context::{Inner, Slot};
use super::error::{Error, Result};
use super::function::{create_callback, Callback};
use super::multi::{FromLuaMulti, IntoLuaMulti, MultiValue};
use super::{Lua, Table, Value};
use crate::gc::Gc;
use crate::value::{UserData as RawUserData, Value as RawValue};
use std::any::TypeId;
use std::cell::{Ref, RefCell, RefMut};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::Arc;

/// A Rust type that Lua code can hold and call methods on.
///
/// ```
/// use lua_core::api::{Lua, MetaMethod, UserData, UserDataMethods};
///
/// struct Counter(i64);
///
/// impl UserData for Counter {
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         methods.add_method("get", |_, this, ()| Ok(this.0));
///         methods.add_method_mut("add", |_, this, n: i64| {
///             this.0 += n;
///             Ok(())
///         });
///         methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(format!("Counter({})", this.0)));
///     }
/// }
///
/// let lua = Lua::new();
/// lua.globals().set("c", lua.create_userdata(Counter(1)).unwrap()).unwrap();
/// let (n, s): (i64, String) = lua.load("c:add(41); return c:get(), tostring(c)").eval().unwrap();
/// assert_eq!((n, s.as_str()), (42, "Counter(42)"));
/// let err: String = lua.load("return select(2, pcall(c.get, {}))").eval().unwrap();
/// assert_eq!(err, "bad argument #1 to '?' (Counter expected, got table)");
/// ```
pub trait UserData: Sized + super::MaybeSend + 'static {
    /// The name error messages use for the type (`Counter expected, got table`); by default
    /// the type's name without its module path.
    fn type_name() -> &'static str {
        short_type_name(std::any::type_name::<Self>())
    }

    /// Register the type's methods and metamethods.
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        let _ = methods;
    }
}

/// `a::b::Name<c::D>` -> `Name`.
fn short_type_name(full: &'static str) -> &'static str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// A metamethod a userdata type may define.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaMethod {
    /// `__add`: `a + b`.
    Add,
    /// `__sub`: `a - b`.
    Sub,
    /// `__mul`: `a * b`.
    Mul,
    /// `__div`: `a / b`.
    Div,
    /// `__mod`: `a % b`.
    Mod,
    /// `__pow`: `a ^ b`.
    Pow,
    /// `__unm`: `-a`.
    Unm,
    /// `__concat`: `a .. b`.
    Concat,
    /// `__len`: `#a`.
    Len,
    /// `__eq`: `a == b` (called only when both operands share it).
    Eq,
    /// `__lt`: `a < b`.
    Lt,
    /// `__le`: `a <= b`.
    Le,
    /// `__index`: `a.key` for keys that are not methods.
    Index,
    /// `__newindex`: `a.key = value`.
    NewIndex,
    /// `__call`: `a(...)`.
    Call,
    /// `__tostring`: `tostring(a)`.
    ToString,
}

impl MetaMethod {
    /// The metatable field (`"__add"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            MetaMethod::Add => "__add",
            MetaMethod::Sub => "__sub",
            MetaMethod::Mul => "__mul",
            MetaMethod::Div => "__div",
            MetaMethod::Mod => "__mod",
            MetaMethod::Pow => "__pow",
            MetaMethod::Unm => "__unm",
            MetaMethod::Concat => "__concat",
            MetaMethod::Len => "__len",
            MetaMethod::Eq => "__eq",
            MetaMethod::Lt => "__lt",
            MetaMethod::Le => "__le",
            MetaMethod::Index => "__index",
            MetaMethod::NewIndex => "__newindex",
            MetaMethod::Call => "__call",
            MetaMethod::ToString => "__tostring",
        }
    }
}

/// The methods and metamethods of a [`UserData`] type, as its `add_methods` registers them.
pub struct UserDataMethods<T> {
    methods: Vec<(String, Callback)>,
    meta: Vec<(&'static str, Callback)>,
    _type: PhantomData<T>,
}

impl<T: UserData> UserDataMethods<T> {
    fn new() -> UserDataMethods<T> {
        UserDataMethods {
            methods: Vec::new(),
            meta: Vec::new(),
            _type: PhantomData,
        }
    }

    /// A method called as `obj:name(args)`, with shared access to the value.
    pub fn add_method<A, R, F>(&mut self, name: &str, method: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.methods.push((name.to_string(), shared_method(method)));
    }

    /// A method with mutable access to the value.
    pub fn add_method_mut<A, R, F>(&mut self, name: &str, method: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.methods
            .push((name.to_string(), mutable_method(method)));
    }

    /// A plain function stored among the methods (`obj.name(args)`).
    pub fn add_function<A, R, F>(&mut self, name: &str, function: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.methods
            .push((name.to_string(), plain_function(function)));
    }

    /// A metamethod whose first operand is the value.
    pub fn add_meta_method<A, R, F>(&mut self, meta: MetaMethod, method: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.meta.push((meta.name(), shared_method(method)));
    }

    /// A metamethod with mutable access to its first operand.
    pub fn add_meta_method_mut<A, R, F>(&mut self, meta: MetaMethod, method: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.meta.push((meta.name(), mutable_method(method)));
    }

    /// A metamethod receiving all operands as they are (for operators where the value may be
    /// either operand).
    pub fn add_meta_function<A, R, F>(&mut self, meta: MetaMethod, function: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + super::MaybeSend + 'static,
    {
        self.meta.push((meta.name(), plain_function(function)));
    }
}

fn plain_function<A, R, F>(function: F) -> Callback
where
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, A) -> Result<R> + super::MaybeSend + 'static,
{
    Rc::new(move |lua, args| function(lua, A::from_lua_args(args, 1, lua)?)?.into_lua_multi(lua))
}

/// Split a method's arguments into its receiver (checked to be a `T`) and the rest.
fn receiver<T: UserData>(mut args: MultiValue) -> Result<(AnyUserData, MultiValue)> {
    let missing = args.is_empty();
    match args.pop_front_or_nil() {
        Value::UserData(ud) if ud.is::<T>() => Ok((ud, args)),
        other => {
            let from = if missing {
                "no value"
            } else {
                other.type_name()
            };
            let cause = Error::FromLuaConversionError {
                from,
                to: T::type_name(),
                message: None,
            };
            Err(Error::BadArgument {
                position: 1,
                cause: Arc::new(cause),
            })
        }
    }
}

fn shared_method<T, A, R, F>(method: F) -> Callback
where
    T: UserData,
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, &T, A) -> Result<R> + super::MaybeSend + 'static,
{
    Rc::new(move |lua, args| {
        let (ud, rest) = receiver::<T>(args)?;
        let a = A::from_lua_args(rest, 2, lua)?;
        let this = ud.borrow::<T>()?;
        method(lua, &this, a)?.into_lua_multi(lua)
    })
}

fn mutable_method<T, A, R, F>(method: F) -> Callback
where
    T: UserData,
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, &mut T, A) -> Result<R> + super::MaybeSend + 'static,
{
    Rc::new(move |lua, args| {
        let (ud, rest) = receiver::<T>(args)?;
        let a = A::from_lua_args(rest, 2, lua)?;
        let mut this = ud.borrow_mut::<T>()?;
        method(lua, &mut this, a)?.into_lua_multi(lua)
    })
}

impl Lua {
    /// Move `data` into the Lua heap as a userdata with `T`'s methods. It is dropped when the
    /// collector frees the userdata (or with the interpreter).
    pub fn create_userdata<T: UserData>(&self, data: T) -> Result<AnyUserData> {
        let metatable = self.userdata_metatable::<T>()?;
        let inner = &self.inner;
        inner.with_state(|st| {
            let mt = match metatable.0.raw_in(inner)? {
                RawValue::Table(t) => t,
                _ => return Err(Error::InvalidHandle),
            };
            st.reserve_memory(std::mem::size_of::<T>())
                .map_err(|_| Error::MemoryError)?;
            let mut u = RawUserData::new(Box::new(RefCell::new(data)));
            u.metatable = Some(mt);
            let u = st.heap_mut().alloc_userdata(u);
            match Value::from_raw(st, inner, RawValue::UserData(u))? {
                Value::UserData(u) => Ok(u),
                _ => Err(Error::InvalidHandle),
            }
        })
    }

    /// `T`'s metatable, built on first use.
    fn userdata_metatable<T: UserData>(&self) -> Result<Table> {
        let id = TypeId::of::<T>();
        let cached = self
            .inner
            .userdata_metatables
            .borrow()
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, mt)| mt.clone());
        if let Some(mt) = cached {
            return Ok(mt);
        }
        let mut registered = UserDataMethods::<T>::new();
        T::add_methods(&mut registered);
        let mt = self.create_table()?;
        let methods = if registered.methods.is_empty() {
            None
        } else {
            let t = self.create_table()?;
            for (name, callback) in registered.methods {
                t.raw_set(name, create_callback(self, callback)?)?;
            }
            // Shared by every value of the type: no script may change it for all of them.
            t.set_readonly(true)?;
            Some(t)
        };
        let mut custom_metatable_field = false;
        let mut index_metamethod = None;
        for (name, callback) in registered.meta {
            let f = create_callback(self, callback)?;
            if name == "__index" {
                index_metamethod = Some(f);
            } else {
                custom_metatable_field |= name == "__metatable";
                mt.raw_set(name, f)?;
            }
        }
        match (methods, index_metamethod) {
            (Some(methods), None) => mt.raw_set("__index", methods)?,
            (None, Some(index)) => mt.raw_set("__index", index)?,
            (Some(methods), Some(index)) => {
                // Methods first; other keys go to the type's own `__index`. The two handles
                // live inside the state from now on, in the function.
                methods.0.keep_inside();
                index.0.keep_inside();
                // (Made as the API's own callback: it keeps handles, which are not `Send`.)
                let lookup: Callback = Rc::new(move |lua, args| {
                    let (ud, key) = <(Value, Value)>::from_lua_args(args, 1, lua)?;
                    let method: Value = methods.raw_get(key.clone())?;
                    if !method.is_nil() {
                        return method.into_lua_multi(lua);
                    }
                    index.call::<_, MultiValue>((ud, key))
                });
                let combined = create_callback(self, lookup)?;
                mt.raw_set("__index", combined)?;
            }
            (None, None) => {}
        }
        // The metatable is the type's, shared by every value: `getmetatable` gets `false`
        // (unless the type gives its own `__metatable`), and the table itself is read-only,
        // so a script cannot strip the type's methods or metamethods for every instance.
        if !custom_metatable_field {
            mt.raw_set("__metatable", false)?;
        }
        mt.set_readonly(true)?;
        let kept = mt.clone();
        kept.0.keep_inside();
        self.inner.userdata_metatables.borrow_mut().push((id, kept));
        Ok(mt)
    }
}

/// A userdata of any type, kept alive by this handle.
#[derive(Clone)]
pub struct AnyUserData(pub(crate) Rc<Slot>);

impl AnyUserData {
    /// The userdata object, once the state is known to be alive.
    fn object(&self) -> Result<(Rc<Inner>, &Gc<RawUserData>)> {
        let state = self.0.state()?;
        match &self.0.value {
            RawValue::UserData(u) => Ok((state, u)),
            _ => Err(Error::InvalidHandle),
        }
    }

    /// The cell holding the value, if it is a `T`, with the state that keeps it alive.
    fn cell<T: 'static>(&self) -> Result<(Rc<Inner>, &RefCell<T>)> {
        let (state, u) = self.object()?;
        let u: &RawUserData = u;
        match u.data.downcast_ref::<RefCell<T>>() {
            Some(cell) => Ok((state, cell)),
            None => Err(Error::UserDataTypeMismatch),
        }
    }

    /// Whether the userdata holds a `T`.
    pub fn is<T: 'static>(&self) -> bool {
        self.cell::<T>().is_ok()
    }

    /// Shared access to the value, if it is a `T` not mutably borrowed.
    pub fn borrow<T: 'static>(&self) -> Result<UserDataRef<'_, T>> {
        let (state, cell) = self.cell::<T>()?;
        let value = cell.try_borrow().map_err(|_| Error::UserDataBorrowError)?;
        Ok(UserDataRef {
            value,
            _state: state,
        })
    }

    /// Mutable access to the value, if it is a `T` not borrowed.
    pub fn borrow_mut<T: 'static>(&self) -> Result<UserDataRefMut<'_, T>> {
        let (state, cell) = self.cell::<T>()?;
        let value = cell
            .try_borrow_mut()
            .map_err(|_| Error::UserDataBorrowMutError)?;
        Ok(UserDataRefMut {
            value,
            _state: state,
        })
    }
}

impl PartialEq for AnyUserData {
    fn eq(&self, other: &AnyUserData) -> bool {
        self.0.value.raw_equal(&other.0.value)
    }
}

impl std::fmt::Debug for AnyUserData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::value::fmt_handle(f, &self.0.value)
    }
}

/// Shared access to a userdata's value; the interpreter stays alive while it is held.
pub struct UserDataRef<'a, T> {
    // Declared first: released before the state reference below.
    value: Ref<'a, T>,
    _state: Rc<Inner>,
}

impl<T> Deref for UserDataRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Mutable access to a userdata's value; the interpreter stays alive while it is held.
pub struct UserDataRefMut<'a, T> {
    // Declared first: released before the state reference below.
    value: RefMut<'a, T>,
    _state: Rc<Inner>,
}

impl<T> Deref for UserDataRefMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for UserDataRefMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}
