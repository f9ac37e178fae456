//! Boxes of dead objects kept for the next objects of the same type.
//!
//! A collection frees all its garbage at once: thousands of closures and upvalues in a
//! closure-heavy loop. Handed to the C allocator in one burst, they overflow its small per-size
//! caches into slower lists, and the allocations that follow take its slow paths (a quarter of
//! the allocation cost in `calls/closures`). Keeping a bounded number of boxes per type and
//! reusing them for new objects of that type keeps the allocation path short. Only the
//! value is dropped when an object dies; its box is freed when the list is full or the heap
//! goes away.

use super::{Gc, GcBox};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// How many boxes of one type are kept. Closures, upvalues and tables are 32-80 bytes, so
/// each list holds at most a few hundred KiB.
const LIMIT: usize = 4096;

/// Spare boxes of objects of type `T`: allocated, their values already dropped.
pub(crate) struct Spares<T> {
    boxes: Vec<NonNull<GcBox<T>>>,
}

impl<T> Default for Spares<T> {
    fn default() -> Self {
        Spares { boxes: Vec::new() }
    }
}

impl<T> Spares<T> {
    /// A new object in a spare box if there is one, else in a new box.
    pub(crate) fn allocate(&mut self, value: T) -> Gc<T> {
        let Some(ptr) = self.boxes.pop() else {
            return Gc::allocate(value);
        };
        // SAFETY: a spare box is an allocation for a `GcBox<T>` whose value was dropped (see
        // `recycle`), so filling it anew leaks nothing.
        unsafe { Gc::init_box(ptr, value) }
    }

    /// End a dead object: drop its value and keep its box, or free it all when the list is
    /// full.
    ///
    /// # Safety
    /// As `Gc::free`: the object is unreachable, listed nowhere else, and its handle is never
    /// used again.
    pub(crate) unsafe fn recycle(&mut self, obj: Gc<T>) {
        if self.boxes.len() >= LIMIT {
            // SAFETY: forwarded contract.
            unsafe { obj.free() };
            return;
        }
        // SAFETY: the object is alive until here and nothing reads it afterwards (forwarded
        // contract); dropping the value in place leaves the box allocated, for `allocate`.
        unsafe { std::ptr::drop_in_place(&mut (*obj.ptr.as_ptr()).value) };
        self.boxes.push(obj.ptr);
    }
}

impl<T> Drop for Spares<T> {
    fn drop(&mut self) {
        for ptr in self.boxes.drain(..) {
            // SAFETY: the box came from `Gc::allocate` (a leaked `Box`) with the layout of a
            // `GcBox<T>`, which `MaybeUninit` shares; its value was already dropped, so it is
            // freed as uninitialized memory, without dropping anything twice.
            drop(unsafe { Box::from_raw(ptr.as_ptr().cast::<MaybeUninit<GcBox<T>>>()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_recycled_box_is_reused_and_values_drop_once() {
        let counter = Rc::new(());
        let mut spares = Spares::default();
        let first = spares.allocate(Rc::clone(&counter));
        let address = first.addr();
        assert_eq!(Rc::strong_count(&counter), 2);
        // SAFETY: `first` is not used again.
        unsafe { spares.recycle(first) };
        assert_eq!(
            Rc::strong_count(&counter),
            1,
            "the value is dropped at once"
        );
        let second = spares.allocate(Rc::clone(&counter));
        assert_eq!(second.addr(), address, "the spare box is reused");
        // SAFETY: `second` is not used again.
        unsafe { spares.recycle(second) };
        drop(spares);
        assert_eq!(
            Rc::strong_count(&counter),
            1,
            "dropping the spares drops no value"
        );
    }

    #[test]
    fn the_list_is_bounded() {
        let mut spares = Spares::default();
        let objects: Vec<Gc<u64>> = (0..LIMIT as u64 + 10).map(|i| spares.allocate(i)).collect();
        for obj in objects {
            // SAFETY: each handle is used once.
            unsafe { spares.recycle(obj) };
        }
        assert_eq!(spares.boxes.len(), LIMIT);
    }
}
