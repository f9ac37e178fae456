//! Allocation, accounting and the sweep phase.

use super::objref::ObjRef;
use super::spare::Spares;
use super::{Gc, GcBox};
use crate::value::{
    FuncProto, LuaClosure, LuaStr, LuaThread, NativeClosure, SpareParts, StringTable, Table,
    UpState, UpVal, UserData,
};
use std::mem::size_of;

/// A type-tagged handle to any collectable object. The heap lists them packed (`ObjRef`).
#[derive(Clone, Copy)]
pub(crate) enum GcObj {
    Str(Gc<LuaStr>),
    Table(Gc<Table>),
    Lua(Gc<LuaClosure>),
    Native(Gc<NativeClosure>),
    UpVal(Gc<UpVal>),
    Proto(Gc<FuncProto>),
    UserData(Gc<UserData>),
    Thread(Gc<LuaThread>),
}

impl GcObj {
    pub(crate) fn is_marked(self) -> bool {
        match self {
            GcObj::Str(o) => o.header().marked.get(),
            GcObj::Table(o) => o.header().marked.get(),
            GcObj::Lua(o) => o.header().marked.get(),
            GcObj::Native(o) => o.header().marked.get(),
            GcObj::UpVal(o) => o.header().marked.get(),
            GcObj::Proto(o) => o.header().marked.get(),
            GcObj::UserData(o) => o.header().marked.get(),
            GcObj::Thread(o) => o.header().marked.get(),
        }
    }

    /// Bytes this object holds, counted the same way at allocation and at free.
    fn size(self) -> usize {
        match self {
            GcObj::Str(s) => LuaStr::size_for(s.len()),
            GcObj::Table(t) => size_of::<GcBox<Table>>() + t.parts_size(),
            GcObj::Lua(c) => {
                let spilled = if c.upvals.spilled() {
                    c.upvals.capacity() * size_of::<usize>()
                } else {
                    0
                };
                size_of::<GcBox<LuaClosure>>() + spilled
            }
            GcObj::Native(c) => {
                size_of::<GcBox<NativeClosure>>() + c.upvalues.len() * size_of::<crate::Value>()
            }
            GcObj::UpVal(_) => size_of::<GcBox<UpVal>>(),
            GcObj::Proto(p) => proto_size(&p),
            GcObj::UserData(_) => size_of::<GcBox<UserData>>(),
            GcObj::Thread(t) => {
                size_of::<GcBox<LuaThread>>() + t.ctx.stack.capacity() * size_of::<crate::Value>()
            }
        }
    }

    /// # Safety
    /// The object must be unreachable and listed nowhere else (a string is listed in the intern
    /// table, so the sweep frees strings there, with `free_string`, not through this).
    unsafe fn free(self) {
        // SAFETY: forwarded contract.
        unsafe {
            match self {
                GcObj::Str(o) => o.free_string(),
                GcObj::Table(o) => o.free(),
                GcObj::Lua(o) => o.free(),
                GcObj::Native(o) => o.free(),
                GcObj::UpVal(o) => o.free(),
                GcObj::Proto(o) => o.free(),
                GcObj::UserData(o) => o.free(),
                GcObj::Thread(o) => o.free(),
            }
        }
    }
}

fn proto_size(p: &FuncProto) -> usize {
    size_of::<GcBox<FuncProto>>()
        + p.code.len() * 4
        + p.constants.len() * size_of::<crate::Value>()
        + p.protos.len() * size_of::<usize>()
        + p.line_info.len() * 4
        + p.loc_vars.len() * size_of::<crate::bytecode::LocVar>()
        + p.upvalue_names.len() * size_of::<Box<[u8]>>()
}

/// Default pause (percent): collect again when the heap has doubled since the last collection.
const DEFAULT_PAUSE: usize = 200;
/// Smallest threshold, so tiny programs do not collect constantly.
const MIN_THRESHOLD: usize = 64 * 1024;

pub struct Heap {
    /// Every object but strings: those are listed (and swept) by the intern table.
    objects: Vec<ObjRef>,
    /// The mark phase's gray stack, kept between collections. Allocating it afresh each time
    /// costs more than the buffer: freeing it next to the top of the C heap makes the allocator
    /// consolidate every small free chunk, just after the sweep has freed thousands of them.
    gray_stack: Vec<GcObj>,
    /// Boxes of dead closures and upvalues, reused for new ones (see `spare.rs`).
    spare_closures: Spares<LuaClosure>,
    spare_upvals: Spares<UpVal>,
    spare_tables: Spares<Table>,
    /// The small array and hash parts of dead tables, reused for new ones.
    spare_parts: SpareParts,
    pub(crate) strings: StringTable,
    /// Bytes currently held by live (or not yet swept) objects.
    total_bytes: usize,
    /// A collection is due when `total_bytes` reaches this.
    threshold: usize,
    pause: usize,
    step_multiplier: usize,
    /// `collectgarbage("stop")` was called.
    stopped: bool,
    /// Most bytes the program may hold; past it, allocation fails with "not enough memory".
    limit: Option<usize>,
    /// Work credited by `collectgarbage("step")` towards the next collection (see `step`).
    step_credit: usize,
    /// The emergency reserve above the limit is open (see `effective_limit`).
    reserve_in_use: bool,
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new(crate::value::StringHash::default())
    }
}

impl Heap {
    /// An empty heap whose strings are hashed by `hash`.
    pub fn new(hash: crate::value::StringHash) -> Self {
        let strings = StringTable::new(hash);
        Heap {
            objects: Vec::new(),
            gray_stack: Vec::new(),
            spare_closures: Spares::default(),
            spare_upvals: Spares::default(),
            spare_tables: Spares::default(),
            spare_parts: SpareParts::default(),
            total_bytes: strings.bucket_bytes(),
            strings,
            threshold: MIN_THRESHOLD,
            pause: DEFAULT_PAUSE,
            step_multiplier: 200,
            stopped: false,
            limit: None,
            step_credit: 0,
            reserve_in_use: false,
        }
    }

    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// A collection (or a memory-limit check) is due at the VM's next safe point.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        self.total_bytes >= self.threshold
    }

    /// Set (or remove) the memory limit, in bytes.
    pub fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
        self.update_threshold();
    }

    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// The heap holds more than the limit allows.
    pub fn over_limit(&self) -> bool {
        self.effective_limit().is_some_and(|l| self.total_bytes > l)
    }

    /// Whether `extra` more bytes would pass the limit.
    pub fn would_exceed(&self, extra: usize) -> bool {
        self.effective_limit()
            .is_some_and(|l| self.total_bytes.saturating_add(extra) > l)
    }

    /// The limit, raised by an emergency reserve after a memory error. A failed allocation
    /// leaves Lua 5.1's heap where it was, so the error can be handled (formatted, printed,
    /// caught); here the heap has already grown past the limit when the error is raised, and
    /// the reserve gives the handling the same room. It ends once a collection brings the heap
    /// back under the limit.
    fn effective_limit(&self) -> Option<usize> {
        let limit = self.limit?;
        Some(if self.reserve_in_use {
            limit.saturating_add(limit / 8)
        } else {
            limit
        })
    }

    /// A memory error was raised: open the emergency reserve.
    pub(crate) fn memory_error_raised(&mut self) {
        self.reserve_in_use = true;
        self.update_threshold();
    }

    /// The next safe-point trigger: the pause-scaled size (unless collection is stopped),
    /// brought down to the limit so that crossing it is noticed promptly.
    fn update_threshold(&mut self) {
        let gc = if self.stopped {
            usize::MAX
        } else {
            (self.total_bytes / 100)
                .saturating_mul(self.pause)
                .max(MIN_THRESHOLD)
        };
        self.threshold = match self.effective_limit() {
            Some(l) => gc.min(l.saturating_add(1)),
            None => gc,
        };
    }

    pub fn set_stopped(&mut self, stopped: bool) {
        self.stopped = stopped;
        self.threshold = if stopped {
            usize::MAX
        } else {
            self.total_bytes
        };
        if stopped {
            self.update_threshold();
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// `collectgarbage("step", kb)`: collections here always run whole, so a step credits work
    /// as Lua 5.1's incremental collector would do it (about `kb + 1` units of 1 KiB, scaled by
    /// the step multiplier) and reports that a cycle is due once the credit covers the heap.
    /// The caller then collects.
    pub(crate) fn step(&mut self, kb: usize) -> bool {
        let unit = 10 * self.step_multiplier;
        self.step_credit = self
            .step_credit
            .saturating_add(kb.saturating_add(1).saturating_mul(unit));
        if self.step_credit >= self.total_bytes {
            self.step_credit = 0;
            true
        } else {
            false
        }
    }

    /// Set the pause (percent); returns the previous one.
    pub fn set_pause(&mut self, pause: usize) -> usize {
        let old = std::mem::replace(&mut self.pause, pause);
        // Takes effect at once: a pause below 100 means "collect now", as the incremental
        // collector of Lua 5.1 would start its next cycle immediately.
        self.update_threshold();
        old
    }

    /// Set the step multiplier; returns the previous one.
    pub fn set_step_multiplier(&mut self, m: usize) -> usize {
        std::mem::replace(&mut self.step_multiplier, m)
    }

    fn register(&mut self, obj: GcObj) {
        // Each object also costs its entry in the object list.
        self.total_bytes += obj.size() + size_of::<ObjRef>();
        self.objects.push(ObjRef::new(obj));
    }

    /// List a new string: it goes into the intern table, which is the strings' object list.
    fn register_string(&mut self, s: Gc<LuaStr>) {
        let grown = self.strings.insert(s);
        self.total_bytes += LuaStr::size_for(s.len()) + grown;
    }

    /// Record a change in the size of an object's contents (a table part grew or shrank).
    #[inline]
    pub(crate) fn resized(&mut self, before: usize, after: usize) {
        self.total_bytes = self.total_bytes.wrapping_add(after).wrapping_sub(before);
    }

    /// As `intern`, but `None` when the allocator cannot hold a new string this long.
    pub(crate) fn try_intern(&mut self, bytes: &[u8]) -> Option<Gc<LuaStr>> {
        let hash = self.strings.hash_of(bytes);
        if let Some(s) = self.strings.find(bytes, hash) {
            return Some(s);
        }
        let s = Gc::try_allocate_string(bytes, hash)?;
        self.register_string(s);
        Some(s)
    }

    /// As `try_intern`, for a string of `len` bytes that `fill` writes in place (see
    /// `Gc::try_allocate_string_filled`); an equal string already interned is returned instead
    /// and the new block freed.
    pub(crate) fn try_intern_filled(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Option<Gc<LuaStr>> {
        let s = Gc::try_allocate_string_filled(len, fill, self.strings.string_hash())?;
        if let Some(existing) = self.strings.find(s.as_bytes(), s.hash()) {
            // SAFETY: `s` was never registered or handed out: nothing else can reach it.
            unsafe { s.free_string() };
            return Some(existing);
        }
        self.register_string(s);
        Some(s)
    }

    /// The interned string with these bytes, if it exists (no allocation).
    pub(crate) fn find_interned(&self, bytes: &[u8]) -> Option<Gc<LuaStr>> {
        self.strings.find(bytes, self.strings.hash_of(bytes))
    }

    /// The interned string with these bytes, creating it if needed.
    #[inline]
    pub fn intern(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        let hash = self.strings.hash_of(bytes);
        if let Some(s) = self.strings.find(bytes, hash) {
            // A string found unmarked between mark and sweep does not exist here: collections
            // run start to finish without yielding to the program.
            return s;
        }
        let s = Gc::allocate_string(bytes, hash);
        self.register_string(s);
        s
    }

    /// A new table with room for `array` sequence values and `hash` other keys.
    pub fn new_table(&mut self, array: usize, hash: usize) -> Gc<Table> {
        let t = Table::new_from(array, hash, &mut self.spare_parts);
        self.alloc_table(t)
    }

    pub fn alloc_table(&mut self, t: Table) -> Gc<Table> {
        let t = self.spare_tables.allocate(t);
        self.register(GcObj::Table(t));
        t
    }

    pub fn alloc_lua_closure(&mut self, c: LuaClosure) -> Gc<LuaClosure> {
        let c = self.spare_closures.allocate(c);
        self.register(GcObj::Lua(c));
        c
    }

    pub fn alloc_native(&mut self, c: NativeClosure) -> Gc<NativeClosure> {
        let c = Gc::allocate(c);
        self.register(GcObj::Native(c));
        c
    }

    pub fn alloc_upval(&mut self, state: UpState) -> Gc<UpVal> {
        let u = self.spare_upvals.allocate(UpVal { state });
        self.register(GcObj::UpVal(u));
        u
    }

    pub fn alloc_proto(&mut self, p: FuncProto) -> Gc<FuncProto> {
        let p = Gc::allocate(p);
        self.register(GcObj::Proto(p));
        p
    }

    pub fn alloc_userdata(&mut self, u: UserData) -> Gc<UserData> {
        let u = Gc::allocate(u);
        self.register(GcObj::UserData(u));
        u
    }

    pub fn alloc_thread(&mut self, t: LuaThread) -> Gc<LuaThread> {
        let t = Gc::allocate(t);
        self.register(GcObj::Thread(t));
        t
    }

    /// The buffer for a collection's gray stack (give it back with `return_gray_stack`).
    pub(crate) fn take_gray_stack(&mut self) -> Vec<GcObj> {
        std::mem::take(&mut self.gray_stack)
    }

    pub(crate) fn return_gray_stack(&mut self, gray: Vec<GcObj>) {
        self.gray_stack = gray;
    }

    /// Unmarked userdata, newest first (the order Lua 5.1 finalizes them in).
    pub(crate) fn unmarked_userdata(&self) -> Vec<Gc<UserData>> {
        self.objects
            .iter()
            .rev()
            .filter_map(|o| o.userdata().filter(|u| !u.header().marked.get()))
            .collect()
    }

    /// Every userdata, newest first.
    pub(crate) fn all_userdata(&self) -> Vec<Gc<UserData>> {
        self.objects
            .iter()
            .rev()
            .filter_map(|o| o.userdata())
            .collect()
    }

    /// Before a sweep: a dead thread's open upvalues may still be reachable from closures;
    /// give them their final values before the thread's stack goes away.
    pub(crate) fn close_upvalues_of_dead_threads(&mut self) {
        for obj in &self.objects {
            if let Some(t) = obj.thread() {
                if !t.header().marked.get() {
                    let ctx = &t.ctx;
                    for u in ctx.open_upvals.iter() {
                        if let UpState::Open(i, _) = u.state {
                            let v = ctx.stack.get(i).copied().unwrap_or_default();
                            u.borrow_mut().state = UpState::Closed(v);
                        }
                    }
                }
            }
        }
    }

    /// Free every unmarked object and unmark the survivors. The caller has marked everything
    /// reachable and cleared weak tables.
    pub(crate) fn sweep(&mut self) {
        let mut freed = 0usize;
        self.strings.retain(|s| {
            if s.header().marked.get() {
                s.header().marked.set(false);
                true
            } else {
                freed += LuaStr::size_for(s.len());
                // SAFETY: unmarked means unreachable from every root; `retain` unlinks it from
                // the intern table, the only list that holds strings, and never reads it again.
                unsafe { s.free_string() };
                false
            }
        });
        let (spare_closures, spare_upvals, spare_tables, spare_parts) = (
            &mut self.spare_closures,
            &mut self.spare_upvals,
            &mut self.spare_tables,
            &mut self.spare_parts,
        );
        self.objects.retain(|entry| {
            let header = entry.header();
            if header.marked.get() {
                header.marked.set(false);
                true
            } else {
                let obj = entry.get();
                freed += obj.size() + size_of::<ObjRef>();
                // SAFETY: unmarked means unreachable from every root; it is removed from the
                // object list by this `retain`.
                unsafe {
                    match obj {
                        GcObj::Lua(c) => spare_closures.recycle(c),
                        GcObj::UpVal(u) => spare_upvals.recycle(u),
                        GcObj::Table(t) => {
                            spare_parts.keep(t.borrow_mut());
                            spare_tables.recycle(t)
                        }
                        other => other.free(),
                    }
                }
                false
            }
        });
        self.total_bytes = self.total_bytes.saturating_sub(freed);
        self.step_credit = 0;
        if self.limit.is_some_and(|l| self.total_bytes <= l) {
            self.reserve_in_use = false;
        }
        self.update_threshold();
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for obj in self.objects.drain(..) {
            // SAFETY: the heap owns every object and is going away with the state that used them.
            unsafe { obj.get().free() };
        }
        self.strings.retain(|s| {
            // SAFETY: as above; `retain` unlinks the string and never reads it again.
            unsafe { s.free_string() };
            false
        });
    }
}
