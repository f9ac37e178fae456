//! `ObjRef`: one entry of the heap's object list, a `GcObj` packed into 8 bytes.
//!
//! `GcObj` is an enum of pointers, 16 bytes with its tag. The heap lists every object, and the
//! collector's pause multiplies each listed byte, so the list stores tagged pointers instead:
//! every `GcBox` is at least 8-aligned (checked below at compile time), which leaves the low 3
//! bits of its address zero, and they hold the kind, one of exactly 8.
//!
//! Tagging uses the strict-provenance pointer methods (`map_addr`), so the pointer keeps the
//! provenance of the allocation it came from and can be turned back into a handle.

use super::{Gc, GcBox, GcHeader, GcObj};
use crate::value::{
    FuncProto, LuaClosure, LuaStr, LuaThread, NativeClosure, Table, UpVal, UserData,
};
use std::marker::PhantomData;
use std::mem::align_of;
use std::num::NonZeroUsize;
use std::ptr::NonNull;

const TAG_BITS: usize = 0b111;

// Every kind's box leaves the tag bits free.
const _: () = {
    assert!(align_of::<GcBox<LuaStr>>() > TAG_BITS);
    assert!(align_of::<GcBox<Table>>() > TAG_BITS);
    assert!(align_of::<GcBox<LuaClosure>>() > TAG_BITS);
    assert!(align_of::<GcBox<NativeClosure>>() > TAG_BITS);
    assert!(align_of::<GcBox<UpVal>>() > TAG_BITS);
    assert!(align_of::<GcBox<FuncProto>>() > TAG_BITS);
    assert!(align_of::<GcBox<UserData>>() > TAG_BITS);
    assert!(align_of::<GcBox<LuaThread>>() > TAG_BITS);
};

const STR: usize = 0;
const TABLE: usize = 1;
const LUA: usize = 2;
const NATIVE: usize = 3;
const UPVAL: usize = 4;
const PROTO: usize = 5;
const USERDATA: usize = 6;
const THREAD: usize = 7;

/// A `GcObj` in one word: the box address with the kind in its low 3 bits.
#[derive(Clone, Copy)]
pub(super) struct ObjRef(NonNull<u8>);

fn tagged<T>(obj: Gc<T>, tag: usize) -> ObjRef {
    // The address is 8-aligned (checked above), so or-ing in the tag loses nothing, and the
    // result is non-null because the address is.
    ObjRef(obj.ptr.cast::<u8>().map_addr(|a| a | tag))
}

impl ObjRef {
    pub(super) fn new(obj: GcObj) -> ObjRef {
        match obj {
            GcObj::Str(o) => tagged(o, STR),
            GcObj::Table(o) => tagged(o, TABLE),
            GcObj::Lua(o) => tagged(o, LUA),
            GcObj::Native(o) => tagged(o, NATIVE),
            GcObj::UpVal(o) => tagged(o, UPVAL),
            GcObj::Proto(o) => tagged(o, PROTO),
            GcObj::UserData(o) => tagged(o, USERDATA),
            GcObj::Thread(o) => tagged(o, THREAD),
        }
    }

    /// The object's collector header, whatever its kind.
    #[inline]
    pub(super) fn header(&self) -> &GcHeader {
        let untagged = self.0.as_ptr().map_addr(|a| a & !TAG_BITS);
        // SAFETY: the untagged pointer is the start of a live `GcBox` (listed objects are live
        // until the sweep frees them and drops their entry), and `GcBox` is `repr(C)` with the
        // header first, so its first bytes are a `GcHeader` whatever the kind.
        unsafe { &*(untagged as *const GcHeader) }
    }

    /// The object if it is a thread (decided by the tag alone, once `get` is inlined).
    #[inline]
    pub(super) fn thread(self) -> Option<Gc<LuaThread>> {
        match self.get() {
            GcObj::Thread(t) => Some(t),
            _ => None,
        }
    }

    /// The object if it is a userdata.
    #[inline]
    pub(super) fn userdata(self) -> Option<Gc<UserData>> {
        match self.get() {
            GcObj::UserData(u) => Some(u),
            _ => None,
        }
    }

    #[inline(always)]
    fn tag(self) -> usize {
        self.0.addr().get() & TAG_BITS
    }

    #[inline(always)]
    pub(super) fn get(self) -> GcObj {
        let tag = self.tag();
        // Clearing the tag restores the address `new` was given, which is non-null (the
        // fallback is never taken); `map_addr` keeps the provenance.
        let untagged = self
            .0
            .map_addr(|a| NonZeroUsize::new(a.get() & !TAG_BITS).unwrap_or(a));
        fn gc<T>(p: NonNull<u8>) -> Gc<T> {
            Gc {
                ptr: p.cast(),
                _marker: PhantomData,
            }
        }
        // The tag was written by `new` together with the matching kind, so the cast gives back
        // the handle it was made from.
        match tag {
            STR => GcObj::Str(gc(untagged)),
            TABLE => GcObj::Table(gc(untagged)),
            LUA => GcObj::Lua(gc(untagged)),
            NATIVE => GcObj::Native(gc(untagged)),
            UPVAL => GcObj::UpVal(gc(untagged)),
            PROTO => GcObj::Proto(gc(untagged)),
            USERDATA => GcObj::UserData(gc(untagged)),
            _ => GcObj::Thread(gc(untagged)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{UpState, Value};

    #[test]
    fn is_one_word() {
        assert_eq!(std::mem::size_of::<ObjRef>(), 8);
        assert_eq!(std::mem::size_of::<Option<ObjRef>>(), 8);
    }

    #[test]
    fn round_trips_every_kind() {
        let s = Gc::allocate_string(b"abc", 7);
        let t = Gc::allocate(Table::new(0, 0));
        let u = Gc::allocate(UpVal {
            state: UpState::Closed(Value::Number(1.0)),
        });
        let cases = [GcObj::Str(s), GcObj::Table(t), GcObj::UpVal(u)];
        for obj in cases {
            let back = ObjRef::new(obj).get();
            match (obj, back) {
                (GcObj::Str(a), GcObj::Str(b)) => {
                    assert_eq!(a, b);
                    assert_eq!(b.as_bytes(), b"abc");
                    assert_eq!(b.hash(), 7);
                }
                (GcObj::Table(a), GcObj::Table(b)) => assert_eq!(a, b),
                (GcObj::UpVal(a), GcObj::UpVal(b)) => assert_eq!(a, b),
                _ => panic!("kind changed in the round trip"),
            }
        }
        // Each tag names its own kind.
        let tags: Vec<usize> = cases
            .iter()
            .map(|&o| ObjRef::new(o).0.addr().get() & TAG_BITS)
            .collect();
        assert_eq!(tags, [STR, TABLE, UPVAL]);
        // The header read through the list is the object's own.
        t.header().marked.set(true);
        assert!(ObjRef::new(GcObj::Table(t)).header().marked.get());
        assert!(!ObjRef::new(GcObj::Str(s)).header().marked.get());
        assert!(ObjRef::new(GcObj::Table(t)).thread().is_none());
        // SAFETY: allocated above, never listed anywhere, freed once.
        unsafe {
            s.free_string();
            t.free();
            u.free();
        }
    }
}
