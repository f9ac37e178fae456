//! The garbage-collected heap: object handles, allocation accounting, mark and sweep.
//!
//! Every collectable object lives in its own `GcBox` allocation and is listed once in
//! `Heap::objects`. A collection marks everything reachable from the roots the VM supplies
//! (with an explicit gray stack, never recursion), clears weak table entries, drops dead strings
//! from the intern table, then frees every unmarked object. Cycles are collected like anything
//! else: reachability is the only criterion.
//!
//! # Safety contract
//! A `Gc<T>` is a plain pointer. It stays valid as long as the object is reachable from a root at
//! every collection. The VM only collects at safe points (allocation checks in the dispatch loop
//! and after a native function returns), where every live value is in a root: the stacks, the
//! registry, globals, metatables, open upvalues. Native functions that call back into Lua keep
//! their values on the Lua stack, as C functions do in Lua 5.1.

mod heap;
mod trace;

pub use heap::Heap;
pub(crate) use heap::GcObj;
pub(crate) use trace::Marker;

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Per-object collector state.
pub(crate) struct GcHeader {
    marked: Cell<bool>,
}

/// An object together with its collector header.
pub(crate) struct GcBox<T> {
    header: GcHeader,
    value: T,
}

/// A handle to a collectable object. Copying it copies the pointer.
pub struct Gc<T> {
    ptr: NonNull<GcBox<T>>,
    _marker: PhantomData<T>,
}

impl<T> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}

impl<T> PartialEq for Gc<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<T> Eq for Gc<T> {}

impl<T> fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gc({:p})", self.ptr)
    }
}

impl<T> Gc<T> {
    /// Box a new object. Only the heap calls this, so that every object is accounted and listed.
    fn allocate(value: T) -> Self {
        let boxed = Box::new(GcBox { header: GcHeader { marked: Cell::new(false) }, value });
        Gc { ptr: NonNull::from(Box::leak(boxed)), _marker: PhantomData }
    }

    /// Free the object. Only the sweeper calls this, on objects no root reaches.
    ///
    /// # Safety
    /// No handle to the object may be dereferenced afterwards.
    unsafe fn free(self) {
        // SAFETY: the pointer came from `Box::leak` in `allocate` and is freed only once, by the
        // sweeper, which removes it from the object list at the same time.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }

    fn header(&self) -> &GcHeader {
        // SAFETY: see the module's safety contract: handles are only used on live objects.
        unsafe { &self.ptr.as_ref().header }
    }

    /// The address, for identity hashing and `%p`-style printing.
    #[inline(always)]
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Mutable access to the object.
    ///
    /// The interpreter is single-threaded, and every caller holds the returned reference only
    /// inside one short method that neither runs Lua code nor collects nor reaches the same
    /// object through another handle, so no two references to one object are ever live at once.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn borrow_mut(&self) -> &mut T {
        // SAFETY: liveness by the module contract; exclusivity by the rule above.
        unsafe { &mut (*self.ptr.as_ptr()).value }
    }
}

impl<T> std::ops::Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: see the module's safety contract.
        unsafe { &self.ptr.as_ref().value }
    }
}
pub(crate) type GcBoxOf<T> = GcBox<T>;
