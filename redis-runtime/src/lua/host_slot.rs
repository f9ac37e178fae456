//! The host as the `redis` table's native functions reach it: a pointer to the `&mut dyn Host`
//! the running `eval` was given, valid only while that call runs.
//!
//! This is the runtime's one `unsafe` module. Invariants:
//! - the pointer is set only by [`HostSlot::scope`], from a `&mut dyn Host` that outlives the
//!   scope, and is cleared when the scope ends (even by a panic);
//! - [`HostSlot::with`] takes the pointer out while it lends the host, so a nested use (a command
//!   that would run a script from inside a script) finds the slot empty instead of creating a
//!   second `&mut` to the same host.

use crate::host::Host;
use std::cell::Cell;
use std::ptr::NonNull;

#[derive(Default)]
pub(crate) struct HostSlot {
    current: Cell<Option<NonNull<dyn Host + 'static>>>,
}

impl HostSlot {
    /// Run `f` with `host` reachable through [`HostSlot::with`].
    pub(crate) fn scope<R>(&self, host: &mut dyn Host, f: impl FnOnce() -> R) -> R {
        let ptr: NonNull<dyn Host + '_> = NonNull::from(host);
        // SAFETY: only the lifetime bound of the trait object changes (same fat-pointer
        // layout). The pointer is dereferenced only in `with`, while `scope` runs, during
        // which the borrow `host` it came from is alive; the guard clears it before `scope`
        // returns or unwinds.
        let erased: NonNull<dyn Host + 'static> = unsafe { std::mem::transmute(ptr) };
        let previous = self.current.replace(Some(erased));
        let _restore = Restore {
            slot: &self.current,
            previous,
        };
        f()
    }

    /// Lend the host to `f`; `None` when no `eval` is running (or the host is already lent).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut dyn Host) -> R) -> Option<R> {
        let mut ptr = self.current.take()?;
        let _restore = Restore {
            slot: &self.current,
            previous: Some(ptr),
        };
        // SAFETY: the pointer came from a live `&mut dyn Host` in `scope` (still running: the
        // pointer is cleared when it ends), and it was taken out of the slot, so no other
        // reference made from it exists until `_restore` puts it back.
        Some(f(unsafe { ptr.as_mut() }))
    }
}

struct Restore<'a> {
    slot: &'a Cell<Option<NonNull<dyn Host + 'static>>>,
    previous: Option<NonNull<dyn Host + 'static>>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.slot.set(self.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CommandInfo, Reply};

    struct Counter(u32);
    impl Host for Counter {
        fn command(&self, _: &[&[u8]]) -> Option<CommandInfo> {
            None
        }
        fn call(&mut self, _: &[&[u8]], _: u8) -> Reply {
            self.0 += 1;
            Reply::Integer(i64::from(self.0))
        }
    }

    #[test]
    fn lent_only_inside_the_scope_and_never_twice() {
        let slot = HostSlot::default();
        assert!(slot.with(|_| ()).is_none());
        let mut host = Counter(0);
        slot.scope(&mut host, || {
            let r = slot.with(|h| {
                assert!(slot.with(|_| ()).is_none(), "nested lending is refused");
                h.call(&[], 2)
            });
            assert_eq!(r, Some(Reply::Integer(1)));
            assert!(slot.with(|_| ()).is_some());
        });
        assert!(slot.with(|_| ()).is_none());
        assert_eq!(host.0, 1);
    }
}
