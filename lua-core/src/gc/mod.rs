//! The garbage-collected heap: object handles, allocation accounting, mark and sweep.
//!
//! Every collectable object lives in its own `GcBox` allocation and is listed once: strings in
//! the intern table (chained through the strings themselves, as in Lua 5.1), everything else in
//! `Heap::objects` (one word each, see `objref`). A collection marks everything reachable from
//! the roots the VM supplies (with an explicit gray stack, never recursion), clears weak table
//! entries, then frees every unmarked object from both lists. Cycles are collected like anything
//! else: reachability is the only criterion.
//!
//! # Safety contract
//! A `Gc<T>` is a plain pointer. It stays valid as long as the object is reachable from a root at
//! every collection. The VM only collects at safe points (allocation checks in the dispatch loop
//! and after a native function returns), where every live value is in a root: the stacks, the
//! registry, globals, metatables, open upvalues. Native functions that call back into Lua keep
//! their values on the Lua stack, as C functions do in Lua 5.1.

mod heap;
mod objref;
mod spare;
mod spare_vecs;
mod trace;

pub(crate) use heap::GcObj;
pub use heap::Heap;
pub(crate) use spare_vecs::SpareVecs;
pub(crate) use trace::Marker;

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::value::LuaStr;

/// Per-object collector state.
///
/// Every collectable type is 8-aligned, so the header takes 8 bytes whatever it holds; a string
/// keeps its hash in the 4 bytes the mark bit would otherwise leave as padding, which makes a
/// string's box 24 bytes (see `LuaStr`).
pub(crate) struct GcHeader {
    marked: Cell<bool>,
    /// A string's hash; 0 for every other object.
    str_hash: u32,
}

/// An object together with its collector header. `repr(C)` puts the header first in every
/// box, so the heap's object list can read marks without knowing an object's kind (`objref`).
#[repr(C)]
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
        let boxed = Box::<GcBox<T>>::new_uninit();
        let ptr = NonNull::from(Box::leak(boxed)).cast::<GcBox<T>>();
        // SAFETY: a fresh allocation with the layout of a `GcBox<T>`.
        unsafe { Self::init_box(ptr, value) }
    }

    /// Fill an allocated, uninitialized box. The header and the value are written separately:
    /// built as one `GcBox` first, the value went through a temporary at an offset that the
    /// processor could not forward from the stores that had just written it (a stall on every
    /// closure creation).
    ///
    /// # Safety
    /// `ptr` is valid for writing a `GcBox<T>` and holds no live value.
    unsafe fn init_box(ptr: NonNull<GcBox<T>>, value: T) -> Self {
        let p = ptr.as_ptr();
        // SAFETY: forwarded contract; the fields are written in place, without reading.
        unsafe {
            std::ptr::addr_of_mut!((*p).header).write(GcHeader {
                marked: Cell::new(false),
                str_hash: 0,
            });
            std::ptr::addr_of_mut!((*p).value).write(value);
        }
        Gc {
            ptr,
            _marker: PhantomData,
        }
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

/// Strings are allocated with their bytes in the same block, right after the box:
///
/// ```text
/// | marked | str_hash | next_in_bucket | len | len bytes... |
///  GcHeader (8)       LuaStr (16)            offset 24
/// ```
///
/// One allocation per string, no pointer to the bytes (their address follows from the box's),
/// and the bytes next to the header that is read first.
impl Gc<LuaStr> {
    /// Offset of a string's bytes from the start of its box.
    const BYTES_OFFSET: usize = std::mem::size_of::<GcBox<LuaStr>>();

    fn string_layout(len: usize) -> Option<std::alloc::Layout> {
        let (layout, offset) = std::alloc::Layout::new::<GcBox<LuaStr>>()
            .extend(std::alloc::Layout::array::<u8>(len).ok()?)
            .ok()?;
        debug_assert_eq!(offset, Self::BYTES_OFFSET);
        Some(layout.pad_to_align())
    }

    /// A new (not yet interned) string object holding a copy of `bytes`; `None` when the
    /// allocator cannot provide the block.
    pub(crate) fn try_allocate_string(bytes: &[u8], hash: u32) -> Option<Self> {
        let layout = Self::string_layout(bytes.len())?;
        // SAFETY: the layout has a non-zero size (it holds at least the box). The box is written
        // in full before use, and the bytes are copied into the block's tail, which the layout
        // reserves right after the box. The handle keeps the pointer `alloc` returned, whose
        // provenance covers the whole block, bytes included (see `as_bytes`).
        unsafe {
            let block = std::alloc::alloc(layout);
            if block.is_null() {
                return None;
            }
            let data = block.add(Self::BYTES_OFFSET);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            Some(Self::finish_string(block, bytes.len(), hash))
        }
    }

    /// Write the box at the start of a string block whose `len` bytes are in place, and make
    /// the handle.
    ///
    /// # Safety
    /// `block` is non-null, came from `alloc`/`alloc_zeroed` with `string_layout(len)`, and
    /// nothing else refers to it.
    unsafe fn finish_string(block: *mut u8, len: usize, hash: u32) -> Self {
        let boxed = block as *mut GcBox<LuaStr>;
        // SAFETY: the block starts with room for the box (the caller's layout), aligned as
        // the layout asks; writing it initializes the object, and the non-null pointer keeps
        // the provenance of the whole block.
        unsafe {
            boxed.write(GcBox {
                header: GcHeader {
                    marked: Cell::new(false),
                    str_hash: hash,
                },
                value: LuaStr {
                    next_in_bucket: Cell::new(None),
                    len,
                },
            });
            Gc {
                ptr: NonNull::new_unchecked(boxed),
                _marker: PhantomData,
            }
        }
    }

    /// A new (not yet interned) string object of `len` bytes written by `fill`, which gets
    /// them zeroed; its hash (by `hash`) is computed from what `fill` wrote. `None` when the allocator
    /// cannot provide the block. Long results (`string.rep`, long concatenations) are built
    /// here in place, so they never exist twice in memory.
    pub(crate) fn try_allocate_string_filled(
        len: usize,
        fill: impl FnOnce(&mut [u8]),
        hash: crate::value::StringHash,
    ) -> Option<Self> {
        let layout = Self::string_layout(len)?;
        // SAFETY: the layout has a non-zero size (it holds at least the box). The block comes
        // zeroed, so the `len` bytes after the box are initialized before `fill` sees them as
        // a slice, and the slice ends inside the block; it is dropped before the box is
        // written. As in `try_allocate_string`, the handle keeps the pointer `alloc_zeroed`
        // returned, whose provenance covers the whole block.
        unsafe {
            let block = std::alloc::alloc_zeroed(layout);
            if block.is_null() {
                return None;
            }
            let data = std::slice::from_raw_parts_mut(block.add(Self::BYTES_OFFSET), len);
            fill(data);
            let hash = hash.of(data);
            Some(Self::finish_string(block, len, hash))
        }
    }

    /// As `try_allocate_string`, for strings that must exist (short ones): a failing
    /// allocator ends the process, as it does for any other Rust allocation.
    pub(crate) fn allocate_string(bytes: &[u8], hash: u32) -> Self {
        match Self::try_allocate_string(bytes, hash) {
            Some(s) => s,
            None => std::alloc::handle_alloc_error(std::alloc::Layout::new::<GcBox<LuaStr>>()),
        }
    }

    /// The string's bytes.
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the handle's pointer is the one `try_allocate_string` got from `alloc`, so it
        // may reach the whole block; `len` initialized bytes sit at `BYTES_OFFSET` in it,
        // written once at creation and never changed; they live as long as the object (the
        // module's safety contract).
        unsafe {
            let data = (self.ptr.as_ptr() as *const u8).add(Self::BYTES_OFFSET);
            std::slice::from_raw_parts(data, self.len)
        }
    }

    /// The string's bytes, for a borrow that outlives this handle.
    ///
    /// # Safety
    /// The string must stay alive (not be swept) for all of `'a`.
    #[inline(always)]
    pub(crate) unsafe fn bytes_for<'a>(self) -> &'a [u8] {
        // SAFETY: as `as_bytes`; the caller keeps the object alive for `'a`.
        unsafe {
            let data = (self.ptr.as_ptr() as *const u8).add(Self::BYTES_OFFSET);
            std::slice::from_raw_parts(data, self.len)
        }
    }

    /// The string's hash (Lua 5.1's), computed once at creation.
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        self.header().str_hash
    }

    /// Free a string object made by `allocate_string`.
    ///
    /// # Safety
    /// As `Gc::free`: the object is unreachable and no handle to it is used afterwards.
    pub(crate) unsafe fn free_string(self) {
        let len = self.len;
        if let Some(layout) = Self::string_layout(len) {
            // SAFETY: allocated by `allocate_string` with this same layout; LuaStr owns nothing
            // else that needs dropping.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr() as *mut u8, layout) };
        }
    }
}

impl<T> Gc<T> {
    /// The object, for a borrow that outlives this handle.
    ///
    /// # Safety
    /// The object must stay alive (not be swept) and unchanged for all of `'a`.
    #[inline(always)]
    pub(crate) unsafe fn get_for<'a>(self) -> &'a T {
        // SAFETY: the caller keeps the object alive and unmodified for `'a`.
        unsafe { &self.ptr.as_ref().value }
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
